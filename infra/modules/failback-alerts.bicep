// Optional (FAILBACK_ALERTS_ENABLED): Azure Monitor starts failbacks (W3). One log search alert
// per ALERT_RULES entry fires when that entry's on-premises Hyper-V host (or VMM server) sends
// heartbeats to the verification workspace again; the action group posts the common alert schema
// to POST /api/alerts, where the app maps the rule name to the entry's failback request.

@description('Name of the failback Function App in this resource group.')
param functionAppName string

@description('Name of the action group.')
param actionGroupName string

@description('Short name of the action group shown in notifications (at most 12 characters).')
@maxLength(12)
param actionGroupShortName string = 'failback'

@description('Resource id of the Log Analytics workspace the on-premises hosts report to.')
param workspaceId string

@description('ALERT_RULES entries: {rule, heartbeatComputer, request, onResolved?}; one alert rule each, named by `rule`.')
param alertRules array

@description('Azure region of the alert rules.')
param location string

@description('Tags applied to the resources.')
param tags object = {}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// The webhook carries the host's default function key, read at deployment time (never written to
// a parameter file or an output); /api/alerts is excluded from App Service Authentication.
resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
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

resource hostBack 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for entry in alertRules: {
  name: entry.rule
  location: location
  tags: tags
  properties: {
    displayName: entry.rule
    description: 'The on-premises host ${entry.heartbeatComputer} sends heartbeats again: start the failbacks mapped to ${entry.rule} in ALERT_RULES.'
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
          query: 'Heartbeat | where Computer =~ \'${entry.heartbeatComputer}\' | summarize beats = count() by Computer'
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
}]

output actionGroupId string = actionGroup.id
