// Sample: an Azure Monitor alert that starts failbacks (W3). A log search alert fires when the
// on-premises Hyper-V host is back (its heartbeats reach the workspace again); its action group
// posts the common alert schema to POST /api/alerts, and the app's ALERT_RULES setting maps
// the rule name to the failback request(s) to start. A "Resolved" notification is posted too.
// Deploy into the Function App's resource group:
//   az deployment group create -g <rg> -f infra/samples/alert-to-failback.bicep \
//     -p functionAppName=<name> workspaceId=<workspace resource id> hostComputerName=hv01
targetScope = 'resourceGroup'

@description('Name of the failback Function App in this resource group.')
param functionAppName string

@description('Resource id of the Log Analytics workspace the on-premises Hyper-V host reports to.')
param workspaceId string

@description('Computer name of the on-premises Hyper-V host (or VMM server) whose return starts the failback.')
param hostComputerName string

@description('Name of the alert rule; the same name goes into ALERT_RULES.')
param alertRuleName string = 'onprem-host-back-${hostComputerName}'

@description('Azure region of the alert rule (the workspace\'s region).')
param location string = resourceGroup().location

@description('Short name of the action group shown in notifications (at most 12 characters).')
@maxLength(12)
param actionGroupShortName string = 'failback'

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// The webhook carries a function key (the host's default key, read at deployment time and never
// written to a parameter file); /api/alerts is excluded from App Service Authentication.
resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${alertRuleName}'
  location: 'global'
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
    webhookReceivers: [
      {
        name: 'failback-alerts'
        serviceUri: 'https://${functionApp.properties.defaultHostName}/api/alerts?code=${listKeys('${functionApp.id}/host/default', '2024-04-01').functionKeys.default}'
        useCommonAlertSchema: true
      }
    ]
  }
}

resource alertRule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: alertRuleName
  location: location
  properties: {
    displayName: alertRuleName
    description: 'The on-premises host ${hostComputerName} sends heartbeats again: start the failbacks mapped in ALERT_RULES.'
    severity: 3
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'Heartbeat | where Computer =~ \'${hostComputerName}\' | summarize beats = count() by Computer'
          timeAggregation: 'Total'
          metricMeasureColumn: 'beats'
          operator: 'GreaterThan'
          threshold: 3
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

output alertRuleName string = alertRule.name
output actionGroupId string = actionGroup.id
