// What operators watch: two log search alerts on the app's Application Insights (failed runs,
// stranded runs) and a workbook with runs, outcomes, downtime and ARM throttling. The queries read
// the runbook's own log lines: "run <id>: phase <phase>" and "run <id> ended: <outcome>" with
// runId/phase/outcome as custom dimensions (orchestrators/durable.py log_info), and the ARM
// retries "<activity> failed with 429; retrying" (W7).

@description('Name of the Application Insights component in this resource group.')
param applicationInsightsName string

@description('Name of the action group that notifies operators.')
param actionGroupName string

@description('E-mail addresses of operators notified when a run fails or is stranded (empty: the alerts fire without notifying anyone).')
param operatorEmails array = []

@description('Hours without a log line after which a run that has not ended counts as stranded.')
@minValue(1)
@maxValue(47)
param strandedAfterHours int = 12

@description('Azure region of the alert rules and the workbook.')
param location string

@description('Tags applied to the resources.')
param tags object = {}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'failbackops'
    enabled: true
    emailReceivers: [for (address, i) in operatorEmails: {
      name: 'operator-${i}'
      emailAddress: trim(address)
      useCommonAlertSchema: true
    }]
  }
}

var failedRunsQuery = 'traces | where message has " ended: " | extend outcome = tostring(customDimensions.outcome), runId = tostring(customDimensions.runId) | where outcome in ("failed", "left-manual", "window-missed") | summarize runs = dcount(runId)'
var strandedRunsQuery = 'traces | where isnotempty(customDimensions.runId) | extend runId = tostring(customDimensions.runId) | summarize last = max(timestamp), ended = countif(message has " ended: ") by runId | where ended == 0 and last < ago(${strandedAfterHours}h) | summarize runs = count()'

resource failedRuns 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'failback-runs-failed-${applicationInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'Failback runs ended failed or left for manual action'
    description: 'A failback run ended with outcome failed, left-manual or window-missed: read its report (GET /api/failbacks/{id}).'
    severity: 1
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: failedRunsQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'runs'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        operators.id
      ]
    }
  }
}

resource strandedRuns 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'failback-runs-stranded-${applicationInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'Failback runs silent for ${strandedAfterHours} hours'
    description: 'A failback run has logged nothing for ${strandedAfterHours} hours and has not ended: look at its status page and the ASR job it waits on.'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'P2D'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: strandedRunsQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'runs'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        operators.id
      ]
    }
  }
}

var workbookQueries = [
  {
    title: 'Runs started per day'
    query: 'traces | where message has ": phase preflight" | summarize runs = dcount(tostring(customDimensions.runId)) by bin(timestamp, 1d) | render columnchart'
  }
  {
    title: 'Outcomes'
    query: 'traces | where message has " ended: " | summarize runs = dcount(tostring(customDimensions.runId)) by outcome = tostring(customDimensions.outcome) | render piechart'
  }
  {
    title: 'Downtime per run (Azure VM shut down until the on-premises VM is verified)'
    query: 'traces | where isnotempty(customDimensions.runId) and tostring(customDimensions.phase) in ("switchover", "verify") | summarize down = minif(timestamp, tostring(customDimensions.phase) == "switchover"), up = minif(timestamp, tostring(customDimensions.phase) == "verify") by runId = tostring(customDimensions.runId) | where isnotempty(down) | extend downtimeMinutes = datetime_diff("minute", coalesce(up, now()), down) | order by down desc'
  }
  {
    title: 'ARM throttling (429 answers and the retries they caused)'
    query: 'union (dependencies | where resultCode == "429" | summarize throttled = count() by bin(timestamp, 1h), target), (traces | where message has "failed with 429" | summarize throttled = count() by bin(timestamp, 1h), target = "activity retries") | render timechart'
  }
]

var workbookContent = {
  version: 'Notebook/1.0'
  items: [for (item, i) in workbookQueries: {
    type: 3
    name: 'query-${i}'
    content: {
      version: 'KqlItem/1.0'
      title: item.title
      query: item.query
      size: 0
      timeContext: {
        durationMs: 2592000000
      }
      queryType: 0
      resourceType: 'microsoft.insights/components'
    }
  }]
  isLocked: false
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'failback-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Failback runs'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: string(workbookContent)
  }
}

output actionGroupId string = operators.id
output workbookId string = workbook.id
