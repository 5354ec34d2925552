// Optional (FAILBACK_LOGIC_APP_ENABLED): the Logic App sample (infra/samples/
// logicapp-start-failback.json) deployed as a Consumption workflow with its parameters filled:
// the app's base URL, a function key read at deployment time, the first recovery vault and the
// first verification workspace (by resource id; the workflow gets the workspace's customer id
// that the query API needs). The workflow polls the signed Location of the 202 (no key on polls),
// waits up to 30 days (the longest approval plus a window up to 14 days ahead) and branches on the
// run's outcome.

@description('Name of the Logic App workflow.')
param name string

@description('Azure region of the Logic App.')
param location string

@description('Tags applied to the Logic App.')
param tags object = {}

@description('Name of the failback Function App in this resource group.')
param functionAppName string

@description('Public base URL of the app (FAILBACK_BASE_URL).')
param failbackBaseUrl string

@description('Resource id of the Recovery Services vault the workflow fails back from.')
param recoveryVaultId string

@description('Resource id of the Log Analytics workspace that verifies the on-premises VM (empty: none).')
param verificationWorkspaceId string = ''

@description('Approvers named in the requests the workflow sends (UPNs or group:<object id>).')
param approvers array

@description('Approval deadline of each run the workflow starts, in hours (the workflow waits for the longest, 336).')
@minValue(1)
@maxValue(336)
param approvalTimeoutHours int = 24

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

var vaultParts = split(recoveryVaultId, '/')

resource workflow 'Microsoft.Logic/workflows@2019-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    state: 'Enabled'
    definition: loadJsonContent('../samples/logicapp-start-failback.json')
    parameters: {
      failbackBaseUrl: {
        value: failbackBaseUrl
      }
      functionKey: {
        value: listKeys('${functionApp.id}/host/default', '2024-04-01').functionKeys.default
      }
      vault: {
        value: {
          subscriptionId: vaultParts[2]
          resourceGroup: vaultParts[4]
          name: last(vaultParts)
        }
      }
      approvers: {
        value: approvers
      }
      approvalTimeoutHours: {
        value: approvalTimeoutHours
      }
      verificationWorkspaceId: {
        value: empty(verificationWorkspaceId) ? '' : reference(verificationWorkspaceId, '2023-09-01').customerId
      }
    }
  }
}

output name string = workflow.name
