// Sending e-mail through Azure Communication Services with the app's managed identity. No
// built-in role is limited to sending, so a custom role scoped to this resource group carries
// only the actions Microsoft documents for Entra ID e-mail senders (docs/deploy.md).

@description('Name of the Communication Services resource in this resource group.')
param communicationName string

@description('Principal (object) id of the app\'s user-assigned managed identity.')
param principalId string

var emailSenderActions = [
  'Microsoft.Communication/CommunicationServices/Read'
  'Microsoft.Communication/CommunicationServices/Write'
  'Microsoft.Communication/EmailServices/write'
]

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationName
}

resource emailSender 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'failback-acs-email-sender')
  properties: {
    roleName: 'Failback ACS e-mail sender (${resourceGroup().name})'
    description: 'Send e-mail through the Communication Services resources of this resource group.'
    type: 'CustomRole'
    permissions: [
      {
        actions: emailSenderActions
        notActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, principalId, emailSender.id)
  scope: communication
  properties: {
    roleDefinitionId: emailSender.id
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Failback ACS e-mail sender for the failback Function App'
  }
}
