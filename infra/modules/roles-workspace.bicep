// Query access to one Log Analytics workspace that the on-premises machines report to, for the
// verify phase (H6). Deployed into the workspace's own resource group (and subscription).

@description('Name of the Log Analytics workspace in this resource group.')
param workspaceName string

@description('Principal (object) id of the app\'s user-assigned managed identity.')
param principalId string

// Built-in role definition ids are the same in every tenant. Source: "Azure built-in roles",
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (the id column of
// each role; cross-checked against the role maps of the Azure Verified Modules).
var roles = {
  'Log Analytics Reader': '73c42c96-874c-492b-b04d-ab87d138a893'
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(roles): {
  name: guid(workspace.id, principalId, role.value)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.key} for the failback Function App'
  }
}]
