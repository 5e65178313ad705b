// The Function App on a Flex Consumption plan. It runs as the user-assigned identity and
// reaches every dependency with it: no keys, no connection strings with secrets, no
// publishing credentials (FTP and SCM basic auth are off).

@description('Required. Name of the Function App (globally unique host name).')
param name string

@description('Required. Name of the Flex Consumption plan.')
param planName string

@description('Required. Azure region; it must offer the Flex Consumption plan.')
param location string

@description('Required. Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Required. Client id of that identity.')
param identityClientId string

@description('Required. Name of the host\'s storage account (AzureWebJobsStorage).')
param storageAccountName string

@description('Required. Queue service endpoint of the storage account that holds the job and event queues (the JobsQueue connection).')
param jobsQueueServiceUri string

@description('Required. URL of the blob container that holds the deployment package.')
param deploymentContainerUrl string

@description('Required. Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Required. Document endpoint of the Cosmos DB account.')
param cosmosEndpoint string

@description('Required. Name of the Cosmos DB database.')
param cosmosDatabaseName string

@description('Optional. Node.js version.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Optional. Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Maximum number of instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional. Application (client) id of the app registration the admin portal signs in with (Entra ID). Unset: the portal\'s sign-in answers 503 until it is set.')
param entraClientId string?

@description('Optional. Public base URL of the service (its origin, no path) when it is reached under a custom domain. Default: https:// and the app\'s default host name.')
param publicBaseUrl string?

@description('Optional. More app settings, for example the optional SCIM_MAX_RESULTS, SCIM_MAX_BODY_BYTES, SCIM_TOKEN_CACHE_MS, JOBS_STEP_SIZE or JOBS_INLINE_MEMBERS. The identity-based settings this module wires take precedence over same-named ones here.')
param additionalAppSettings { *: string }?

@description('Optional. Tags of the plan and the app.')
param tags { *: string }?

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

var baseUrl = empty(publicBaseUrl ?? '') ? 'https://${functionApp.properties.defaultHostName}' : (publicBaseUrl ?? '')

// Sign-in: the app registration's client id, and the app's managed identity as its federated
// credential (ENTRA_FEDERATED_CREDENTIAL=true), so no client secret exists anywhere, unless an
// ENTRA_CLIENT_SECRET Key Vault reference comes in additionalAppSettings.
var signInSettings = empty(entraClientId ?? '')
  ? {}
  : union(
      { ENTRA_CLIENT_ID: entraClientId ?? '' },
      contains(additionalAppSettings ?? {}, 'ENTRA_CLIENT_SECRET') ? {} : { ENTRA_FEDERATED_CREDENTIAL: 'true' }
    )

// Flex Consumption takes the runtime from functionAppConfig.runtime, so there is no
// FUNCTIONS_WORKER_RUNTIME or WEBSITE_NODE_DEFAULT_VERSION here. No setting holds a secret:
// storage, telemetry and Cosmos DB are all reached with the user-assigned identity.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(additionalAppSettings ?? {}, signInSettings, {
    PUBLIC_BASE_URL: baseUrl
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // The named connection of the job and event queues (the queue triggers' `connection: 'JobsQueue'`), identity-based.
    JobsQueue__queueServiceUri: jobsQueueServiceUri
    JobsQueue__credential: 'managedidentity'
    JobsQueue__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
    AZURE_CLIENT_ID: identityClientId
    AZURE_TOKEN_CREDENTIALS: 'ManagedIdentityCredential'
    COSMOS_ENDPOINT: cosmosEndpoint
    COSMOS_DATABASE: cosmosDatabaseName
    // GET / is the portal's redirect (functions/portal.ts), not the host's default page.
    AzureWebJobsDisableHomepage: 'true'
  })
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('The resource id of the Function App.')
output resourceId string = functionApp.id

@description('The name of the Function App.')
output name string = functionApp.name

@description('The public base URL of the service (PUBLIC_BASE_URL).')
output publicBaseUrl string = baseUrl

@description('The default host name of the Function App.')
output defaultHostName string = functionApp.properties.defaultHostName
