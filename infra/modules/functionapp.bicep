// The Function App on the Flex Consumption plan (Python 3.11, v2 model, Durable Functions on
// Azure Storage or Durable Task Scheduler), running as the user-assigned identity, with its app
// settings and App Service Authentication (Entra ID) in front of the approval pages.

@description('Name of the Function App.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app (the app also gets azd-service-name).')
param tags object = {}

@description('azd service name in azure.yaml that deploys into this app.')
param serviceName string = 'api'

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of the user-assigned managed identity (AZURE_CLIENT_ID, storage and monitoring auth).')
param identityClientId string

@description('Name of the storage account used by the host, the task hub and deployment.')
param storageAccountName string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (no key is usable: local auth is off).')
param applicationInsightsConnectionString string

@description('App settings that belong to the application (names from clients/settings.py SETTING_NAMES).')
param applicationSettings object

@description('App settings that choose the Durable backend: empty for Azure Storage (host.json), the storage provider overrides and connection string for Durable Task Scheduler.')
param durableBackendSettings object = {}

@description('Maximum number of instances the plan scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance in MB (Flex Consumption sizes).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Client id of the Entra ID app registration used by App Service Authentication.')
param authClientId string

@description('Paths served without Entra ID sign-in: everything except the approval pages. Those routes use function keys (or are anonymous, like /api/health).')
param authExcludedPaths array

@description('Public base URL of the app used in approval links; empty for https://<name>.azurewebsites.net (set it when a custom domain or Front Door is in front).')
param publicBaseUrl string = ''

var baseUrl = empty(publicBaseUrl) ? 'https://${name}.azurewebsites.net' : publicBaseUrl

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy on Flex Consumption depends on the region; run state lives in GRS storage and a run resumes after a zone outage
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

// Platform settings: identity-based storage for the host and the Durable task hub (no
// AzureWebJobsStorage connection string exists), telemetry with the managed identity, and the
// entry file the Python worker imports (a root function_app.py would be shadowed by the
// function_app/ package). Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE: the runtime is set in
// functionAppConfig. Endpoints are computed (not read from the account) so the settings are
// known at the start of the deployment and can be set when the app is created.
var storageSuffix = environment().suffixes.storage
var platformSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${storageSuffix}/'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${storageSuffix}/'
  AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${storageSuffix}/'
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  PYTHON_SCRIPT_FILE_NAME: 'entrypoint.py'
}
var allSettings = union(applicationSettings, platformSettings, durableBackendSettings, {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  FAILBACK_PUBLIC_BASE_URL: baseUrl
})

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: Logic Apps, Azure Monitor action groups and approvers' browsers must reach the app; routes need a function key or Entra ID sign-in
  // checkov:skip=CKV_AZURE_17: callers (Logic Apps, action groups, browsers) present no client certificates; function keys and Entra ID authenticate them
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales to zero by design; a run's state is durable in storage, so no instance has to stay up for failover
  // checkov:skip=CKV_AZURE_213: App Service health check targets multi-instance dedicated plans; Flex Consumption manages instances itself, /api/health serves the post-deploy smoke check
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    // Key Vault references are resolved with the user-assigned identity, not a system one.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      remoteDebuggingEnabled: false
      appSettings: [for setting in items(allSettings): {
        name: setting.key
        value: setting.value
      }]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Entra ID sign-in in front of /api/approvals/*: the approval page learns who the approver is
// from the headers App Service Authentication adds. Every other route is excluded and keeps its
// own authorization (function keys; /api/health is anonymous). No client secret: sign-in uses
// the ID token (enable ID token issuance on the app registration, docs/deploy.md).
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov:skip=CKV_AZURE_13: false positive: the check reads the classic site "web" config, this resource is authsettingsV2 (it looks for properties.enabled; V2 has platform.enabled = true below)
  // checkov:skip=CKV_AZURE_63: false positive: the check reads the classic site "web" config, this resource is authsettingsV2; HTTP logs of a Function App go to Application Insights
  // checkov:skip=CKV_AZURE_65: false positive: the check reads the classic site "web" config, this resource is authsettingsV2
  // checkov:skip=CKV_AZURE_66: false positive: the check reads the classic site "web" config, this resource is authsettingsV2
  // checkov:skip=CKV_AZURE_80: false positive: the check reads the classic site "web" config, this resource is authsettingsV2; the app is Python, no .NET Framework
  // checkov:skip=CKV_AZURE_88: false positive: the check reads the classic site "web" config, this resource is authsettingsV2; Flex Consumption uses blob deployment storage, not Azure Files
  // checkov:skip=CKV_AZURE_222: false positive: the check reads the classic site "web" config, this resource is authsettingsV2; see the same skip on the site
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
      runtimeVersion: '~1'
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: authExcludedPaths
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${subscription().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            authClientId
            'api://${authClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

// Publishing with basic (user/password) credentials is off; azd and `func publish` use Entra ID.
resource ftpPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output id string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
output baseUrl string = baseUrl
