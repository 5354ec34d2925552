// Durable Task Scheduler backend for the Durable task hub (FAILBACK_DURABLE_BACKEND =
// DurableTaskScheduler): one scheduler and the one task hub the app's TASKHUB_NAME names. Access
// is identity-only (DTS has no keys); the app's identity gets Durable Task Data Contributor on
// the task hub in roles-durable-task.bicep. API version 2026-02-01 is the current GA version of
// the Microsoft.DurableTask resource provider (Azure resource reference, Microsoft.DurableTask).

@description('Name of the scheduler (3-64 letters, digits and hyphens).')
@minLength(3)
@maxLength(64)
param name string

@description('Azure region of the scheduler; Durable Task Scheduler is not offered in every region that offers Flex Consumption.')
param location string

@description('Tags applied to the scheduler.')
param tags object = {}

@description('Name of the task hub; the same value as the app setting TASKHUB_NAME (host.json hubName).')
@minLength(3)
@maxLength(64)
param taskHubName string

@description('Scheduler SKU: Consumption (pay per action, no capacity to reserve) or Dedicated (reserved capacity units).')
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string = 'Consumption'

@description('Capacity units when skuName is Dedicated (ignored for Consumption).')
@minValue(1)
@maxValue(3)
param dedicatedCapacity int = 1

resource scheduler 'Microsoft.DurableTask/schedulers@2026-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: skuName == 'Dedicated' ? {
      name: skuName
      capacity: dedicatedCapacity
    } : {
      name: skuName
    }
    // A Flex Consumption app without VNet integration calls from any Azure outbound address, so
    // the allow list is open (an empty list denies every caller); callers still need an Entra ID
    // token with a Durable Task data role. See "Hardening beyond this template" in docs/deploy.md.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
    publicNetworkAccess: 'Enabled'
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2026-02-01' = {
  parent: scheduler
  name: taskHubName
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
