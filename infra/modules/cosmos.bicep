// Cosmos DB (NoSQL API) account, the store's database and every container the store uses.
// The containers come from shared/store/containers.json, the one definition the code also
// creates them from, so the two cannot drift (tests/infra checks the compiled template
// against that file). Keys are disabled: access is by Microsoft Entra data-plane RBAC only.

@description('Required. Name of the Cosmos DB account (3-44 lowercase letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(44)
param name string

@description('Required. Azure region of the account (its only write region).')
param location string

@description('Optional. serverless: billed per request, no throughput to manage. autoscale: provisioned throughput shared by the database, scaling between 10% and 100% of autoscaleMaxThroughput.')
@allowed([
  'serverless'
  'autoscale'
])
param capacityMode string = 'serverless'

@description('Optional. Maximum RU/s of the database\'s autoscale throughput. Used only when capacityMode is autoscale.')
@minValue(1000)
@maxValue(1000000)
param autoscaleMaxThroughput int = 1000

@description('Optional. Spread the account across the availability zones of its region.')
param zoneRedundant bool = false

@description('Required. Principals that get the Cosmos DB Built-in Data Contributor role on the account.')
param dataContributors dataContributorType[]

@description('Optional. Tags of the account.')
param tags { *: string }?

@description('A principal granted data-plane access to the account.')
type dataContributorType = {
  @description('Required. A value known before deployment that identifies the principal (for example its resource id), used to derive a stable role assignment name.')
  key: string

  @description('Required. The object (principal) id of the user, group or service principal.')
  principalId: string
}

@description('A container definition as ARM takes it (the properties.resource of a SQL container).')
type containerResourceType = resourceInput<'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2026-03-15'>.properties.resource

// The single source of truth, shared with the code. The JSONPath selectors skip the file's $comment.
var databaseName = loadJsonContent('../../shared/store/containers.json', '$.database')
var containerDefinitions containerResourceType[] = loadJsonContent('../../shared/store/containers.json', '$.containers')

// Cosmos DB Built-in Data Contributor (data plane): read and write items, no key access.
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2026-03-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: zoneRedundant
      }
    ]
    // Strong: every read sees every acknowledged write, whichever instance made it, so decisions
    // that rest on another instance's write (a member created a moment ago, a post-check before
    // removing a membership, the last-Admin count) never see a lagging replica. Possible because
    // the account has one region; it costs twice the RU of a Session read (reads go to two
    // replicas) and no write latency in one region. The code asks for Strong on every request
    // (shared/store/cosmos.ts), so a weaker account fails loudly. README "Consistency".
    consistencyPolicy: {
      defaultConsistencyLevel: 'Strong'
    }
    capabilities: capacityMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2026-03-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: capacityMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

// Only the ARM container properties are passed; absent optional ones stay null (not set).
resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2026-03-15' = [
  for container in containerDefinitions: {
    parent: database
    name: container.id
    properties: {
      resource: {
        id: container.id
        partitionKey: container.partitionKey
        indexingPolicy: container.indexingPolicy
        defaultTtl: container.?defaultTtl
        uniqueKeyPolicy: container.?uniqueKeyPolicy
      }
    }
  }
]

resource dataContributorRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2026-03-15' existing = {
  parent: account
  name: dataContributorRoleId
}

resource dataContributorAssignments 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2026-03-15' = [
  for contributor in dataContributors: {
    parent: account
    name: guid(account.id, contributor.key, dataContributorRole.id)
    properties: {
      principalId: contributor.principalId
      roleDefinitionId: dataContributorRole.id
      scope: account.id
    }
  }
]

@description('The resource id of the Cosmos DB account.')
output resourceId string = account.id

@description('The name of the Cosmos DB account.')
output name string = account.name

@description('The document endpoint of the account, for COSMOS_ENDPOINT.')
output endpoint string = account.properties.documentEndpoint

@description('The name of the database, for COSMOS_DATABASE.')
output databaseName string = database.name

@description('The names of the containers created.')
output containerNames string[] = [for (container, i) in containerDefinitions: containers[i].name]
