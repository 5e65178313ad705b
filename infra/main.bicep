// scim-functions: everything the SCIM service needs in one resource group, with no keys or
// connection strings holding secrets. Deploy with `az deployment group create` (see
// README.md, Deploy), then publish the app with `func azure functionapp publish`.
metadata name = 'scim-functions'
metadata description = 'SCIM 2.0 provisioning service for Microsoft Entra ID on Azure Functions (Flex Consumption) and Cosmos DB, identity-based end to end.'

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------

@description('Required. Short name of the environment, for example dev or prod: 2-8 lowercase letters and digits. Part of every resource name.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Optional. Azure region of every resource. It must offer the Flex Consumption plan. Defaults to the resource group\'s region.')
param location string = resourceGroup().location

@description('Optional. Prefix of every resource name: 2-8 lowercase letters and digits.')
@minLength(2)
@maxLength(8)
param namePrefix string = 'scim'

@description('Optional. Tags applied to every resource.')
param tags { *: string }?

@description('Optional. Node.js version of the Function App.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Optional. Memory of each Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Maximum number of instances the Function App scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional. Cosmos DB capacity: serverless (billed per request; the default) or autoscale (provisioned throughput shared by the database, up to cosmosAutoscaleMaxThroughput RU/s). Chosen when the account is created: moving an existing account between the two is a migration, not a redeployment.')
@allowed([
  'serverless'
  'autoscale'
])
param cosmosCapacityMode string = 'serverless'

@description('Optional. Maximum RU/s of the database\'s autoscale throughput (it scales between 10% and 100% of this). Used only when cosmosCapacityMode is autoscale.')
@minValue(1000)
@maxValue(1000000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Optional. Spread the Cosmos DB account across the availability zones of its region (the region must support it).')
param cosmosZoneRedundant bool = false

@description('Optional. Redundancy of the Functions host\'s storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Optional. Days the Log Analytics workspace keeps logs and telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Optional. Application (client) id of the multi-tenant app registration the admin portal signs in with. The app\'s managed identity must be a federated credential of that registration (see the README, "Sign-in with Entra ID"). Unset: no sign-in.')
param entraClientId string?

@description('Optional. Public base URL (origin, no path) when the service is reached under a custom domain; it sets PUBLIC_BASE_URL, the sign-in redirect URI https://<host>/auth/callback and the Tenant URL of new tokens. Default: https:// and the Function App\'s default host name.')
param publicBaseUrl string?

@description('Optional. More Function App settings, for example the optional SCIM_MAX_RESULTS, SCIM_MAX_BODY_BYTES or SCIM_TOKEN_CACHE_MS. The identity-based settings the template wires (COSMOS_*, AZURE_*, AzureWebJobsStorage__*, JobsQueue__*, APPLICATIONINSIGHTS_*) cannot be overridden here. Never put a secret here.')
param additionalAppSettings { *: string }?

@description('Optional. Object id of a user or service principal that also gets the Cosmos DB Built-in Data Contributor role, so that the admin CLI (npm run admin) can create tenants and tokens against the deployed store with `az login`. Get yours with `az ad signed-in-user show --query id -o tsv`. Leave unset where no person should have data access.')
param deployerPrincipalId string?

// ---------------------------------------------------------------------------------------
// Names: deterministic per subscription, resource group, region and environment.
// ---------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, location, environmentName))
var baseName = toLower('${namePrefix}-${environmentName}')
var names = {
  identity: 'id-${baseName}-${resourceToken}'
  logAnalytics: 'log-${baseName}-${resourceToken}'
  applicationInsights: 'appi-${baseName}-${resourceToken}'
  storageAccount: take(toLower('st${namePrefix}${environmentName}${resourceToken}'), 24)
  cosmosAccount: 'cosmos-${baseName}-${resourceToken}'
  plan: 'plan-${baseName}-${resourceToken}'
  functionApp: 'func-${baseName}-${resourceToken}'
  deploymentContainer: 'app-package'
}
var identityResourceId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', names.identity)

// ---------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    retentionInDays: logRetentionInDays
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storageAccount
    location: location
    deploymentContainerName: names.deploymentContainer
    skuName: storageSkuName
    tags: tags
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    name: names.cosmosAccount
    location: location
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    zoneRedundant: cosmosZoneRedundant
    dataContributors: concat(
      [
        {
          key: identityResourceId
          principalId: identity.outputs.principalId
        }
      ],
      empty(deployerPrincipalId)
        ? []
        : [
            {
              key: deployerPrincipalId!
              principalId: deployerPrincipalId!
            }
          ]
    )
    tags: tags
  }
}

module roleAssignments 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  params: {
    principalId: identity.outputs.principalId
    principalResourceId: identityResourceId
    storageAccountName: names.storageAccount
    applicationInsightsName: names.applicationInsights
  }
  dependsOn: [
    storage
    monitoring
  ]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    jobsQueueServiceUri: storage.outputs.queueServiceUri
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    additionalAppSettings: additionalAppSettings
    entraClientId: entraClientId
    publicBaseUrl: publicBaseUrl
    tags: tags
  }
  // The host starts as soon as the app exists: let it find its storage and telemetry roles.
  dependsOn: [
    roleAssignments
  ]
}

// ---------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------

@description('The SCIM Tenant URL to enter in Microsoft Entra provisioning (the SCIM routes are under scim/v2).')
output tenantUrl string = '${functionApp.outputs.publicBaseUrl}/scim/v2'

@description('The admin portal.')
output portalUrl string = '${functionApp.outputs.publicBaseUrl}/portal/'

@description('The redirect URI to register (platform Web) on the sign-in app registration.')
output signInRedirectUri string = '${functionApp.outputs.publicBaseUrl}/auth/callback'

@description('The subject of the federated credential to add to the sign-in app registration: the principal (object) id of the app\'s managed identity.')
output federatedCredentialSubject string = identity.outputs.principalId

@description('The name of the Function App, for `func azure functionapp publish`.')
output functionAppName string = functionApp.outputs.name

@description('The Cosmos DB document endpoint, for COSMOS_ENDPOINT when running the admin CLI.')
output cosmosEndpoint string = cosmos.outputs.endpoint

@description('The Cosmos DB database name, for COSMOS_DATABASE.')
output cosmosDatabaseName string = cosmos.outputs.databaseName

@description('The Cosmos DB account name.')
output cosmosAccountName string = cosmos.outputs.name

@description('The client id of the app\'s user-assigned managed identity.')
output managedIdentityClientId string = identity.outputs.clientId

@description('The name of the Application Insights component.')
output applicationInsightsName string = monitoring.outputs.applicationInsightsName
