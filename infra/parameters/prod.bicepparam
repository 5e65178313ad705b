// Production: provisioned autoscale Cosmos DB (zone redundant), zone-redundant storage,
// longer log retention.
using '../main.bicep'

param environmentName = 'prod'

param cosmosCapacityMode = 'autoscale'

param cosmosAutoscaleMaxThroughput = 4000

param cosmosZoneRedundant = true

param storageSkuName = 'Standard_ZRS'

param maximumInstanceCount = 100

param logRetentionInDays = 90

// Set DEPLOYER_PRINCIPAL_ID only for the deployment that bootstraps the first tenant and
// token (see the Deploy section of README.md); empty: no person gets data access.
param deployerPrincipalId = readEnvironmentVariable('DEPLOYER_PRINCIPAL_ID', '')

param tags = {
  application: 'scim-functions'
  environment: 'prod'
}
