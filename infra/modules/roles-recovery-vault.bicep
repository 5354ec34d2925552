// Site Recovery Operator on one Recovery Services vault: planned failover, commit, re-protect,
// job resume and the reads they need, and nothing else (no vault or policy management). The
// module is deployed into the vault's own resource group (and subscription), which may differ
// from the app's.

@description('Name of the Recovery Services vault in this resource group.')
param vaultName string

@description('Principal (object) id of the app\'s user-assigned managed identity.')
param principalId string

// Built-in role definition ids are the same in every tenant. Source: "Azure built-in roles",
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (the id column of
// each role; cross-checked against the role maps of the Azure Verified Modules).
var roles = {
  'Site Recovery Operator': '494ae006-db33-4328-bf46-533a6560a3ca'
}

resource vault 'Microsoft.RecoveryServices/vaults@2023-04-01' existing = {
  name: vaultName
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
