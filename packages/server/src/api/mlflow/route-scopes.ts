/** Route options of the MLflow API: the token scope each endpoint needs. */
export const READ = { config: { scope: 'read' as const } };
export const INGEST = { config: { scope: 'ingest' as const } };
