// Log Analytics workspace and a workspace-based Application Insights component.
// Local (instrumentation-key) authentication is disabled on both: telemetry is accepted
// only with a Microsoft Entra token, i.e. from an identity holding Monitoring Metrics Publisher.

@description('Required. Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string

@description('Required. Azure region of both resources.')
param location string

@description('Optional. Days the workspace keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Optional. Tags of both resources.')
param tags { *: string }?

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
      enableLogAccessUsingOnlyResourcePermissions: true
    }
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

@description('The resource id of the Application Insights component.')
output applicationInsightsResourceId string = applicationInsights.id

@description('The name of the Application Insights component.')
output applicationInsightsName string = applicationInsights.name

@description('The Application Insights connection string. It identifies the component and its ingestion endpoint; with local auth disabled it grants nothing without an Entra token.')
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString

@description('The resource id of the Log Analytics workspace.')
output logAnalyticsResourceId string = workspace.id
