// ASR failback Function App: `azd up` entry point (docs/deploy.md).
// Creates one resource group with the app, its identity, storage, monitoring and Key Vault, and
// gives the identity exactly the roles the workflow needs on the existing Recovery Services
// vault(s) and verification workspace(s), wherever they live.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; part of every resource name and of the resource token.')
param environmentName string

@minLength(1)
@description('Azure region for all new resources; must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Name of the resource group to create; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@description('Comma-separated resource ids of the Recovery Services vault(s) to fail back from, e.g. /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.RecoveryServices/vaults/<name>. Each may live in any resource group or subscription; the app\'s identity gets Site Recovery Operator on each.')
param recoveryVaultIds string

@description('Comma-separated resource ids of the Log Analytics workspace(s) the on-premises machines report to (verify phase); the identity gets Log Analytics Reader on each. Empty for none.')
param verificationWorkspaceIds string = ''

@description('Client id of the Entra ID app registration that App Service Authentication uses for the approval pages.')
param authClientId string

@secure()
@description('Current key that signs approval tokens; stored in Key Vault, read through a Key Vault reference.')
param approvalSigningKey string

@secure()
@description('Previous approval signing key, accepted while rotating; empty when not rotating.')
param approvalSigningKeyPrevious string = ''

@secure()
@description('Generic notification webhook URL (e.g. a Logic App trigger URL); stored in Key Vault. Empty for none.')
param notifyWebhookUrl string = ''

@secure()
@description('Teams Workflows webhook URL for Adaptive Cards; stored in Key Vault. Empty for none.')
param notifyTeamsWebhookUrl string = ''

@secure()
@description('Azure Communication Services access key; stored in Key Vault. Empty to use the managed identity (give it a role on the ACS resource).')
param notifyAcsAccessKey string = ''

@description('Azure Communication Services endpoint for approval emails; empty for none.')
param notifyAcsEndpoint string = ''

@description('Sender address for Azure Communication Services email; empty for none.')
param notifyEmailSender string = ''

@description('JSON list mapping Azure Monitor alert rules to failback requests (ALERT_RULES).')
param alertRules string = '[]'

@description('Durable Functions task hub name (host.json reads %TASKHUB_NAME%).')
@minLength(3)
@maxLength(45)
param taskHubName string = 'failback'

@description('Log Analytics query endpoint (FAILBACK_LOGS_ENDPOINT); change only for sovereign clouds.')
param logsEndpoint string = 'https://api.loganalytics.io'

@description('Public base URL used in approval links; empty for https://<function app>.azurewebsites.net. Set it for a custom domain or Front Door.')
param publicBaseUrl string = ''

@description('Maximum number of Flex Consumption instances.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}failback-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var vaultIds = empty(trim(recoveryVaultIds)) ? [] : split(trim(recoveryVaultIds), ',')
var workspaceIds = empty(trim(verificationWorkspaceIds)) ? [] : split(trim(verificationWorkspaceIds), ',')

// App Service Authentication protects /api/approvals/* only: every other route is listed here
// and keeps function-key (or anonymous) authorization. A new route that is not an approval page
// must be added to this list (tests/infra checks it against the app's routes). A trailing /*
// matches every sub-path (MicrosoftDocs/azure-docs#86514).
var authExcludedPaths = [
  '/api/health'
  '/api/failbacks'
  '/api/failbacks/*'
  '/api/alerts'
  '/api/openapi.json'
  '/api/outbox'
  '/runtime/webhooks/durabletask/*'
]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}failback-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    approvalSigningKey: approvalSigningKey
    approvalSigningKeyPrevious: approvalSigningKeyPrevious
    notifyWebhookUrl: notifyWebhookUrl
    notifyTeamsWebhookUrl: notifyTeamsWebhookUrl
    notifyAcsAccessKey: notifyAcsAccessKey
  }
}

// Settings the application code reads (clients/settings.py SETTING_NAMES); the Function App
// module adds the platform ones, APPLICATIONINSIGHTS_CONNECTION_STRING and
// FAILBACK_PUBLIC_BASE_URL (which needs the app's host name). Secrets are Key Vault references.
var applicationSettings = {
  TASKHUB_NAME: taskHubName
  FAILBACK_CREDENTIAL: 'managed-identity'
  AZURE_CLIENT_ID: identity.outputs.clientId
  FAILBACK_ARM_ENDPOINT: environment().resourceManager
  FAILBACK_LOGS_ENDPOINT: logsEndpoint
  FAILBACK_CA_BUNDLE: ''
  FAILBACK_LOCAL_MODE: 'false'
  APPROVAL_SIGNING_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.approvalSigningKeyUri})'
  APPROVAL_SIGNING_KEY_PREVIOUS: empty(approvalSigningKeyPrevious) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.approvalSigningKeyPreviousUri})'
  NOTIFY_WEBHOOK_URL: empty(notifyWebhookUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.notifyWebhookUrlUri})'
  NOTIFY_TEAMS_WEBHOOK_URL: empty(notifyTeamsWebhookUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.notifyTeamsWebhookUrlUri})'
  NOTIFY_ACS_ENDPOINT: notifyAcsEndpoint
  NOTIFY_EMAIL_SENDER: notifyEmailSender
  NOTIFY_ACS_ACCESS_KEY: empty(notifyAcsAccessKey) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.notifyAcsAccessKeyUri})'
  FAILBACK_OUTBOX_PATH: ''
  ALERT_RULES: alertRules
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    applicationSettings: applicationSettings
    maximumInstanceCount: maximumInstanceCount
    authClientId: authClientId
    authExcludedPaths: authExcludedPaths
    publicBaseUrl: publicBaseUrl
  }
  // The host starts as soon as the app exists: its identity must already reach storage, Key
  // Vault and monitoring, or the first start fails and Key Vault references stay unresolved.
  dependsOn: [
    storageRoles
    keyVaultRoles
    monitoringRoles
  ]
}

module storageRoles 'modules/roles-storage.bicep' = {
  name: 'roles-storage'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: identity.outputs.principalId
  }
}

module keyVaultRoles 'modules/roles-keyvault.bicep' = {
  name: 'roles-keyvault'
  scope: rg
  params: {
    keyVaultName: keyVault.outputs.name
    principalId: identity.outputs.principalId
  }
}

module monitoringRoles 'modules/roles-monitoring.bicep' = {
  name: 'roles-monitoring'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
  }
}

// One module per vault, deployed into the vault's own subscription and resource group:
// /subscriptions/{2}/resourceGroups/{4}/providers/Microsoft.RecoveryServices/vaults/{8}.
module recoveryVaultRoles 'modules/roles-recovery-vault.bicep' = [for (vaultId, i) in vaultIds: {
  name: 'roles-recovery-vault-${i}'
  scope: resourceGroup(split(trim(vaultId), '/')[2], split(trim(vaultId), '/')[4])
  params: {
    vaultName: last(split(trim(vaultId), '/'))
    principalId: identity.outputs.principalId
  }
}]

module workspaceRoles 'modules/roles-workspace.bicep' = [for (workspaceId, i) in workspaceIds: {
  name: 'roles-workspace-${i}'
  scope: resourceGroup(split(trim(workspaceId), '/')[2], split(trim(workspaceId), '/')[4])
  params: {
    workspaceName: last(split(trim(workspaceId), '/'))
    principalId: identity.outputs.principalId
  }
}]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.baseUrl
output FAILBACK_BASE_URL string = functionApp.outputs.baseUrl
output AUTH_REDIRECT_URI string = '${functionApp.outputs.baseUrl}/.auth/login/aad/callback'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output TASKHUB_NAME string = taskHubName
