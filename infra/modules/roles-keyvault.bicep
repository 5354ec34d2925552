// Read-only access to secret values in the app's Key Vault, for Key Vault references.

@description('Name of the Key Vault in this resource group.')
param keyVaultName string

@description('Principal (object) id of the app\'s user-assigned managed identity.')
param principalId string

// Built-in role definition ids are the same in every tenant. Source: "Azure built-in roles",
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (the id column of
// each role; cross-checked against the role maps of the Azure Verified Modules).
var roles = {
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(roles): {
  name: guid(vault.id, principalId, role.value)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${role.key} for the failback Function App'
  }
}]
