// `--help`: the usage of the whole CLI.
export const USAGE = `Usage: muster [COMMAND] [OPTIONS]

Commands:
  run                       Start a node (the default when no command is given).
  check-config              Load and type-check the configuration, run the checks \`run\` makes
                            before binding, print warnings and a one-line summary.
      --strict              Compatibility warnings are errors (as muster.strict-config = on).
  print-config [PATH]       Print the resolved configuration (or the value at PATH) as JSON.
      --origins             Also show where each value was set (file:line, env var, command line).
  discover [--service NAME] Look the service up with the configured discovery method.
  help, --help              Show this help.

Configuration options (every command):
  --config FILE             Application config file (HOCON). Default: ./application.conf if present.
  -Dpath=value              Override one setting, e.g. -Dpekko.management.http.port=8558.
                            -Dconfig.file=FILE is the same as --config FILE; -Dconfig.resource=NAME
                            looks NAME up in the resource directories (\$MUSTER_RESOURCE_PATH, else
                            ., ./resources, ./src/main/resources); -Dconfig.url takes file: URLs.
                            -D options in \$JAVA_OPTS apply first.

Configuration is loaded like Lightbend Config: Muster's reference.conf, then the application
file, then -D overrides; substitutions such as \${?PEKKO_CLUSTER_BOOTSTRAP_SERVICE_NAME} fall
back to environment variables.

Exit codes: 0 success, 1 configuration or runtime error, 2 command-line usage error.
`;

export function helpCommand(): Promise<number> {
  process.stdout.write(USAGE);
  return Promise.resolve(0);
}
