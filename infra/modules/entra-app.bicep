// The Entra ID app registration behind App Service Authentication on the approval pages, as code
// (Microsoft Graph Bicep extension, docs/deploy.md "Why the Graph extension"). `uniqueName` makes
// every provision an upsert of the same application, so `azd provision` is repeatable and
// `azd down && azd up` finds and reuses it (Graph objects are not in the resource group).
// Sign-in uses the ID token (no client secret exists); the groups claim carries the object ids
// that `group:<id>` approvers and four-eyes rules compare (W8); the app roles say who may sign in.
extension microsoftGraphV1

@description('Immutable unique name of the application (the upsert key); derived from the resource token.')
param uniqueName string

@description('Display name shown in Entra ID and on the consent/sign-in pages.')
param displayName string

@description('Host names (no scheme) that serve the approval pages; each gets its App Service Authentication callback as an https redirect URI.')
param hostNames array

@description('Object ids of users or groups given the approver role (may sign in to approve or reject).')
param approverPrincipalIds array = []

@description('Object ids of users or groups given the operator role (start, cancel, commit anyway).')
param operatorPrincipalIds array = []

@description('Object ids of users or groups given the auditor role (read-only access to run pages).')
param auditorPrincipalIds array = []

// Role ids are derived from the unique name: stable across provisions (nothing random or time-based), and an
// app role's id must not change while assignments point at it.
var roles = {
  operator: {
    id: guid(uniqueName, 'app-role', 'operator')
    displayName: 'Failback operator'
    description: 'Starts failbacks and takes operator decisions (cancel, commit anyway).'
  }
  approver: {
    id: guid(uniqueName, 'app-role', 'approver')
    displayName: 'Failback approver'
    description: 'Approves or rejects a failback at its approval gate.'
  }
  auditor: {
    id: guid(uniqueName, 'app-role', 'auditor')
    displayName: 'Failback auditor'
    description: 'Reads run pages and reports; takes no decision.'
  }
}

resource application 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  // Security groups the user belongs to, as object ids, in the ID token (group: approvers).
  groupMembershipClaims: 'SecurityGroup'
  web: {
    redirectUris: [for host in hostNames: 'https://${host}/.auth/login/aad/callback']
    implicitGrantSettings: {
      enableIdTokenIssuance: true
      enableAccessTokenIssuance: false
    }
  }
  appRoles: [for role in items(roles): {
    id: role.value.id
    value: role.key
    displayName: role.value.displayName
    description: role.value.description
    allowedMemberTypes: [
      'User'
    ]
    isEnabled: true
  }]
}

resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: application.appId
  // Only users and groups holding one of the roles above can sign in at all.
  appRoleAssignmentRequired: true
}

resource approvers 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [for principalId in approverPrincipalIds: {
  appRoleId: roles.approver.id
  principalId: trim(principalId)
  resourceId: servicePrincipal.id
}]

resource operators 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [for principalId in operatorPrincipalIds: {
  appRoleId: roles.operator.id
  principalId: trim(principalId)
  resourceId: servicePrincipal.id
}]

resource auditors 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [for principalId in auditorPrincipalIds: {
  appRoleId: roles.auditor.id
  principalId: trim(principalId)
  resourceId: servicePrincipal.id
}]

output appId string = application.appId
output servicePrincipalId string = servicePrincipal.id
