// Key Vault in RBAC mode holding the app's secrets: the approval signing key (and the previous
// one while rotating) and the notification webhook URLs, which carry their own signatures.
// Repeatable deployment (docs/deploy.md "azd down and up again"): the name is deterministic
// (kv-<resource token>) and purge protection is off, so `azd down --purge` frees the name at once
// and the next `azd up` in the same environment creates the vault again. Soft delete stays on
// with the shortest retention (7 days) as the undo for an accidental delete. Every secret here
// can be recreated (the signing key by azd, the URLs from their owners), which is why purge
// protection buys less than the 90-day name lock it costs.
// The app reads them through Key Vault references in app settings, resolved by the platform
// with the user-assigned identity (Key Vault Secrets User, roles-keyvault.bicep).

@description('Name of the Key Vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the Key Vault.')
param location string

@description('Tags applied to the Key Vault.')
param tags object = {}

@secure()
@description('Current key that signs approval tokens (APPROVAL_SIGNING_KEY).')
param approvalSigningKey string

@secure()
@description('Previous signing key, still accepted while rotating; empty when not rotating.')
param approvalSigningKeyPrevious string = ''

@secure()
@description('Generic notification webhook URL (e.g. a Logic App trigger URL); empty for none.')
param notifyWebhookUrl string = ''

@secure()
@description('Teams Workflows webhook URL for Adaptive Cards; empty for none.')
param notifyTeamsWebhookUrl string = ''

@secure()
@description('Azure Communication Services access key for an ACS resource this template does not create; empty to use the managed identity.')
param notifyAcsAccessKey string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: Key Vault references of an app without VNet integration resolve over the public endpoint; access is RBAC-only (Key Vault Secrets User for one identity)
  // checkov:skip=CKV_AZURE_189: same reason as CKV_AZURE_109; private endpoint + VNet integration is the documented hardening step
  // checkov:skip=CKV_AZURE_110: purge protection would lock the deterministic name for the retention period after azd down; every secret here can be recreated (header comment)
  // checkov:skip=CKV_AZURE_42: recoverable means soft delete + purge protection to checkov; soft delete is on (7 days), purge protection off on purpose (CKV_AZURE_110)
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // enablePurgeProtection is omitted, not false: ARM refuses false (turning it on is
    // irreversible), and a vault without the property has it off.
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

// Expiry is deliberately not set on these secrets: an expired signing key would make every
// outstanding approval link fail mid-failback. Rotation is explicit (docs/deploy.md): write the
// new key, move the old one to approval-signing-key-previous.
resource signingKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  // checkov:skip=CKV_AZURE_41: no expiry on purpose; an expired key breaks approvals in flight, rotation is explicit
  name: 'approval-signing-key'
  properties: {
    value: approvalSigningKey
    contentType: 'text/plain'
  }
}

resource signingKeyPrevious 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(approvalSigningKeyPrevious)) {
  parent: vault
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov's Bicep parser does not see the properties of conditional resources
  // checkov:skip=CKV_AZURE_41: no expiry on purpose; it is removed by the next rotation
  name: 'approval-signing-key-previous'
  properties: {
    value: approvalSigningKeyPrevious
    contentType: 'text/plain'
  }
}

resource webhookUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifyWebhookUrl)) {
  parent: vault
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov's Bicep parser does not see the properties of conditional resources
  // checkov:skip=CKV_AZURE_41: the URL's lifetime is the Logic App's, not ours
  name: 'notify-webhook-url'
  properties: {
    value: notifyWebhookUrl
    contentType: 'text/uri-list'
  }
}

resource teamsWebhookUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifyTeamsWebhookUrl)) {
  parent: vault
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov's Bicep parser does not see the properties of conditional resources
  // checkov:skip=CKV_AZURE_41: the URL's lifetime is the Teams workflow's, not ours
  name: 'notify-teams-webhook-url'
  properties: {
    value: notifyTeamsWebhookUrl
    contentType: 'text/uri-list'
  }
}

resource acsAccessKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifyAcsAccessKey)) {
  parent: vault
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov's Bicep parser does not see the properties of conditional resources
  // checkov:skip=CKV_AZURE_41: the key's lifetime is set by ACS key rotation, not here
  name: 'notify-acs-access-key'
  properties: {
    value: notifyAcsAccessKey
    contentType: 'text/plain'
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
// Version-less URIs, so a rotated secret is picked up without redeploying the app. The
// optional ones are always given (main.bicep only uses them when the secret exists), so no
// output expression touches a secure parameter.
output approvalSigningKeyUri string = signingKey.properties.secretUri
output approvalSigningKeyPreviousUri string = '${vault.properties.vaultUri}secrets/approval-signing-key-previous'
output notifyWebhookUrlUri string = '${vault.properties.vaultUri}secrets/notify-webhook-url'
output notifyAcsAccessKeyUri string = '${vault.properties.vaultUri}secrets/notify-acs-access-key'
output notifyTeamsWebhookUrlUri string = '${vault.properties.vaultUri}secrets/notify-teams-webhook-url'
