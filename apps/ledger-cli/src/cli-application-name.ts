/** The CLI's connections, told apart from the service's (SERVICE_APPLICATION_NAME) in pg_stat_activity. */
export const CLI_APPLICATION_NAME = 'pi-ledger-cli';
