// E-mail for approval links and run notifications, when e-mail is enabled: an Email
// Communication Services resource with an Azure-managed domain (no DNS to prove, so nothing to
// do by hand), linked to a Communication Services resource the app calls with its managed
// identity (roles-communication.bicep). No access key is read or stored anywhere.

@description('Name of the Communication Services resource (its endpoint is NOTIFY_ACS_ENDPOINT).')
param communicationName string

@description('Name of the Email Communication Services resource.')
param emailServiceName string

@description('Where ACS stores data at rest (a geography, not a region).')
@allowed([
  'Africa'
  'Asia Pacific'
  'Australia'
  'Brazil'
  'Canada'
  'Europe'
  'France'
  'Germany'
  'India'
  'Japan'
  'Korea'
  'Norway'
  'Switzerland'
  'UAE'
  'UK'
  'United States'
])
param dataLocation string

@description('Tags applied to the resources.')
param tags object = {}

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// An Azure-managed domain (<guid>.azurecomm.net) is verified by Azure itself; a custom domain
// needs DNS records only its owner can create (docs/deploy.md).
resource domain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      domain.id
    ]
  }
}

output name string = communication.name
output endpoint string = 'https://${communication.properties.hostName}'
// The managed domain provisions the DoNotReply sender username.
output sender string = 'DoNotReply@${domain.properties.mailFromSenderDomain}'
