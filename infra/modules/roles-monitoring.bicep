// Telemetry ingestion with the managed identity (Application Insights has local auth off).

@description('Name of the Application Insights component in this resource group.')
param applicationInsightsName string

@description('Principal (object) id of the app\'s user-assigned managed identity.')
param principalId string

// Built-in role definition ids are the same in every tenant. Source: "Azure built-in roles",
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (the id column of
// each role; cross-checked against the role maps of the Azure Verified Modules).
var roles = {
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(roles): {
  name: guid(appInsights.id, principalId, role.value)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.key} for the failback Function App'
  }
}]
