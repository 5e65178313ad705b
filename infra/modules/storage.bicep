// The Functions host's storage account (AzureWebJobsStorage) and the blob container
// Flex Consumption deploys the app package to. Shared-key access is disabled: the host
// and the deployment both authenticate with the app's user-assigned identity.

@description('Required. Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region of the storage account.')
param location string

@description('Required. Name of the blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Optional. Name of the Storage queue of background job steps (shared/config.ts JOBS_QUEUE); its poison queue is this name with -poison.')
param jobsQueueName string = 'scim-jobs'

@description('Optional. Name of the Storage queue that wakes the provisioning event dispatcher and deliverers (shared/config.ts EVENTS_QUEUE); its poison queue is this name with -poison.')
param eventsQueueName string = 'scim-events'

@description('Optional. Redundancy of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param skuName string = 'Standard_LRS'

@description('Optional. Tags of the storage account.')
param tags { *: string }?

resource storageAccount 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' = {
  parent: storageAccount
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Background jobs (functions/jobs-step.ts): one message per job step. The Functions host moves a
// message that failed maxDequeueCount times (host.json) to the poison queue, where
// functions/jobs-poison.ts marks its job failed.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-06-01' = {
  parent: storageAccount
  name: 'default'
}

resource jobsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = {
  parent: queueService
  name: jobsQueueName
}

resource jobsPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = {
  parent: queueService
  name: '${jobsQueueName}-poison'
}

// Provisioning events (issue 19): a message wakes the queue-triggered dispatcher and deliverers of
// a tenant (the per-minute sweep catches a lost one). As for the jobs, the Functions host moves a
// message that failed maxDequeueCount times to the poison queue.
resource eventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = {
  parent: queueService
  name: eventsQueueName
}

resource eventsPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = {
  parent: queueService
  name: '${eventsQueueName}-poison'
}

@description('The resource id of the storage account.')
output resourceId string = storageAccount.id

@description('The name of the storage account.')
output name string = storageAccount.name

@description('The URL of the deployment package container, for functionAppConfig.deployment.storage.')
output deploymentContainerUrl string = '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainer.name}'

@description('The queue service endpoint, for the identity-based JobsQueue__queueServiceUri connection.')
output queueServiceUri string = storageAccount.properties.primaryEndpoints.queue

@description('The name of the job queue.')
output jobsQueueName string = jobsQueue.name

@description('The name of the provisioning event queue.')
output eventsQueueName string = eventsQueue.name
