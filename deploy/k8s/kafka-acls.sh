#!/bin/sh
# Lingban's Kafka principals, topics and ACLs, applied with Kafka's own tools as the
# admin principal. Run by the `kafka-init` container of docker-compose.yml and by the
# `kafka-bootstrap` Job (kafka-bootstrap.yaml), both in the apache/kafka image. Safe to
# run again: existing topics and ACLs are kept, passwords are reset to the given ones.
#
# The grants below are lingban_contracts.access (tests/test_deploy_files.py checks
# that they are the same): each service writes only its own topic and dead-letter
# topic, reads what it consumes and uses its own consumer groups; `subscriber`
# reads the public topics. The broker must run with
#   authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
#   allow.everyone.if.no.acl.found=false
#   super.users=User:<admin>
# so that anything not granted here is refused (docs/security.md).
#
# Environment:
#   KAFKA_ADMIN_BOOTSTRAP        the brokers, as the admin reaches them
#   KAFKA_ADMIN_USERNAME         a super user; KAFKA_ADMIN_PASSWORD its password
#   KAFKA_ADMIN_SECURITY_PROTOCOL  SASL_SSL (default) or SASL_PLAINTEXT
#   KAFKA_ADMIN_SASL_MECHANISM   SCRAM-SHA-512 (default) or PLAIN
#   KAFKA_ADMIN_CAFILE           PEM CA of the brokers' certificates (SASL_SSL)
#   KAFKA_PASSWORD_<SERVICE>     the SCRAM password to set for each service and for
#                                SUBSCRIBER; an unset one leaves that user as it is
#   KAFKA_TOPIC_REPLICATION_FACTOR (default 3), KAFKA_TOPIC_MIN_INSYNC_REPLICAS (default 2)
set -eu

BIN=${KAFKA_BIN:-/opt/kafka/bin}
BOOTSTRAP=${KAFKA_ADMIN_BOOTSTRAP:?the brokers, e.g. kafka:9092}
RF=${KAFKA_TOPIC_REPLICATION_FACTOR:-3}
MIN_ISR=${KAFKA_TOPIC_MIN_INSYNC_REPLICAS:-2}
PROTOCOL=${KAFKA_ADMIN_SECURITY_PROTOCOL:-SASL_SSL}
MECHANISM=${KAFKA_ADMIN_SASL_MECHANISM:-SCRAM-SHA-512}
CONFIG=$(mktemp)
trap 'rm -f "$CONFIG"' EXIT

case "$MECHANISM" in
  PLAIN) LOGIN=org.apache.kafka.common.security.plain.PlainLoginModule ;;
  *) LOGIN=org.apache.kafka.common.security.scram.ScramLoginModule ;;
esac
{
  echo "security.protocol=$PROTOCOL"
  echo "sasl.mechanism=$MECHANISM"
  echo "sasl.jaas.config=$LOGIN required username=\"${KAFKA_ADMIN_USERNAME:?a super user}\" password=\"${KAFKA_ADMIN_PASSWORD:?its password}\";"
  if [ -n "${KAFKA_ADMIN_CAFILE:-}" ]; then
    echo "ssl.truststore.type=PEM"
    echo "ssl.truststore.location=$KAFKA_ADMIN_CAFILE"
  fi
} > "$CONFIG"

# user NAME: set NAME's SCRAM-SHA-512 password from KAFKA_PASSWORD_<NAME>, if given.
user() {
  variable=KAFKA_PASSWORD_$(echo "$1" | tr '[:lower:]' '[:upper:]')
  password=$(printenv "$variable" || true)
  if [ -z "$password" ]; then
    echo "kafka-init: $variable is not set; user $1 is left as it is" >&2
    return 0
  fi
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" \
    --alter --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$password]"
}

# topic NAME PARTITIONS [KEY=VALUE ...]: create the topic with these configs, and set
# them on a topic that already exists (one created before they were added here).
topic() {
  name=$1 partitions=$2
  shift 2
  configs="min.insync.replicas=$MIN_ISR"
  for config in "$@"; do configs="$configs,$config"; done
  set --
  for config in $(echo "$configs" | tr ',' ' '); do set -- "$@" --config "$config"; done
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" \
    --create --if-not-exists --topic "$name" --partitions "$partitions" \
    --replication-factor "$RF" "$@"
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" \
    --alter --entity-type topics --entity-name "$name" --add-config "$configs"
}

# grant PRINCIPAL TOPIC|GROUP LITERAL|PREFIXED NAME READ|WRITE (READ and WRITE imply DESCRIBE)
grant() {
  case "$2" in
    TOPIC) resource=--topic ;;
    GROUP) resource=--group ;;
    *) echo "kafka-init: unknown resource type $2" >&2; exit 2 ;;
  esac
  "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" \
    --add --allow-principal "User:$1" --operation "$5" \
    "$resource" "$4" --resource-pattern-type "$3"
}

user projects
user supervision
user notifications
user reporting
user subscriber

# The event topics are the system of record: the read models are rebuilt from offset 0,
# so nothing is deleted for age or size (lingban_contracts.access.topic_configs).
topic lingban.projects.project.v1 6 retention.bytes=-1 retention.ms=-1
topic lingban.projects.division.v1 6 retention.bytes=-1 retention.ms=-1
topic lingban.supervision.v1 6 retention.bytes=-1 retention.ms=-1
topic lingban.notifications.notification.v1 6 retention.bytes=-1 retention.ms=-1
topic lingban.deadletter.supervision.v1 1
topic lingban.deadletter.notifications.v1 1
topic lingban.deadletter.reporting.v1 1

grant notifications GROUP PREFIXED lingban-notifications READ
grant notifications TOPIC LITERAL lingban.deadletter.notifications.v1 WRITE
grant notifications TOPIC LITERAL lingban.notifications.notification.v1 WRITE
grant notifications TOPIC LITERAL lingban.projects.division.v1 READ
grant notifications TOPIC LITERAL lingban.projects.project.v1 READ
grant notifications TOPIC LITERAL lingban.supervision.v1 READ
grant projects TOPIC LITERAL lingban.projects.division.v1 WRITE
grant projects TOPIC LITERAL lingban.projects.project.v1 WRITE
grant reporting GROUP PREFIXED lingban-reporting READ
grant reporting TOPIC LITERAL lingban.deadletter.reporting.v1 WRITE
grant reporting TOPIC LITERAL lingban.notifications.notification.v1 READ
grant reporting TOPIC LITERAL lingban.projects.division.v1 READ
grant reporting TOPIC LITERAL lingban.projects.project.v1 READ
grant reporting TOPIC LITERAL lingban.supervision.v1 READ
grant subscriber GROUP PREFIXED subscriber- READ
grant subscriber TOPIC LITERAL lingban.notifications.notification.v1 READ
grant subscriber TOPIC LITERAL lingban.projects.division.v1 READ
grant subscriber TOPIC LITERAL lingban.projects.project.v1 READ
grant subscriber TOPIC LITERAL lingban.supervision.v1 READ
grant supervision GROUP PREFIXED lingban-supervision READ
grant supervision TOPIC LITERAL lingban.deadletter.supervision.v1 WRITE
grant supervision TOPIC LITERAL lingban.projects.division.v1 READ
grant supervision TOPIC LITERAL lingban.projects.project.v1 READ
grant supervision TOPIC LITERAL lingban.supervision.v1 READ
grant supervision TOPIC LITERAL lingban.supervision.v1 WRITE

echo "kafka-init: Lingban's Kafka users, topics and ACLs are in place"
