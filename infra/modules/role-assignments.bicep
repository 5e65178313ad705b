// Control-plane role assignments the Functions host needs for identity-based connections:
// AzureWebJobsStorage (blobs incl. the deployment package, queues, tables) and
// Entra-authenticated Application Insights ingestion. Cosmos DB data-plane roles are
// granted in cosmos.bicep (they are Cosmos resources, not Microsoft.Authorization ones).

@description('Required. Object (principal) id of the app\'s user-assigned identity.')
param principalId string

@description('Required. Resource id of the identity, known before deployment; makes the assignment names stable.')
param principalResourceId string

@description('Required. Name of the host\'s storage account (in this resource group).')
param storageAccountName string

@description('Required. Name of the Application Insights component (in this resource group).')
param applicationInsightsName string

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var storageRoles = [
  {
    roleName: 'Storage Blob Data Owner'
    roleDefinitionId: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  }
  {
    roleName: 'Storage Queue Data Contributor'
    roleDefinitionId: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  }
  {
    roleName: 'Storage Table Data Contributor'
    roleDefinitionId: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  }
]
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher

resource storageAccount 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storageAccount.id, principalResourceId, role.roleDefinitionId)
    scope: storageAccount
    properties: {
      description: '${role.roleName} for the Functions host (AzureWebJobsStorage, deployment package)'
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.roleDefinitionId)
    }
  }
]

resource metricsPublisherAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalResourceId, monitoringMetricsPublisherRoleId)
  scope: applicationInsights
  properties: {
    description: 'Monitoring Metrics Publisher for Entra-authenticated Application Insights ingestion'
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
  }
}
