// The user-assigned managed identity the Function App runs as. Every data-plane grant
// (storage, Application Insights ingestion, Cosmos DB) is made to this identity, so it
// survives re-creating the app and can be granted before the app exists.

@description('Required. Name of the user-assigned managed identity.')
param name string

@description('Required. Azure region of the identity.')
param location string

@description('Optional. Tags of the identity.')
param tags { *: string }?

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('The resource id of the identity.')
output resourceId string = identity.id

@description('The name of the identity.')
output name string = identity.name

@description('The client (application) id of the identity, for AZURE_CLIENT_ID and the identity-based connection settings.')
output clientId string = identity.properties.clientId

@description('The object (principal) id of the identity, for role assignments.')
output principalId string = identity.properties.principalId
