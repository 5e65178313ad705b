// Development: serverless Cosmos DB, locally redundant storage, the smallest footprint.
using '../main.bicep'

param environmentName = 'dev'

param cosmosCapacityMode = 'serverless'

param storageSkuName = 'Standard_LRS'

param logRetentionInDays = 30

// Grants the Cosmos DB data role to the person deploying, so the admin CLI works with
// their `az login`: export DEPLOYER_PRINCIPAL_ID=$(az ad signed-in-user show --query id -o tsv)
// Unset or empty: no deployer access.
param deployerPrincipalId = readEnvironmentVariable('DEPLOYER_PRINCIPAL_ID', '')

param tags = {
  application: 'scim-functions'
  environment: 'dev'
}
