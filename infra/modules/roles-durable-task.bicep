// Data-plane access of the app's identity to its Durable Task Scheduler task hub (only with
// FAILBACK_DURABLE_BACKEND = DurableTaskScheduler). Scoped to the one task hub, not the
// scheduler, so another hub on the same scheduler stays out of reach.

@description('Name of the scheduler in this resource group.')
param schedulerName string

@description('Name of the task hub on that scheduler (the app setting TASKHUB_NAME).')
param taskHubName string

@description('Principal (object) id of the app\'s user-assigned managed identity.')
param principalId string

// Built-in role definition id (the same in every tenant). Source: "Azure built-in roles",
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (Integration:
// Durable Task Data Contributor, dataActions Microsoft.DurableTask/*), the role Microsoft's
// "Configure managed identity for Durable Task Scheduler" names for Durable Functions apps.
var roles = {
  'Durable Task Data Contributor': '0ad04412-c4d5-4796-b79c-f76d14c8d402'
}

resource scheduler 'Microsoft.DurableTask/schedulers@2026-02-01' existing = {
  name: schedulerName
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2026-02-01' existing = {
  parent: scheduler
  name: taskHubName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(roles): {
  name: guid(taskHub.id, principalId, role.value)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.key} for the failback Function App'
  }
}]
