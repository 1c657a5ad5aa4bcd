// Applies a plan of SCRAM credentials and ACLs through Kafka's Admin API.
//
// devstack runs it with the broker's own jars on the classpath, as a single-file
// source program (`java -cp 'lib/*' KafkaAccess.java ...`): Maven Central has no
// kafka-acls / kafka-configs command-line distribution, but kafka-clients has the
// Admin API they wrap. Idempotent: an existing credential is replaced and an
// existing ACL is left as it is, so every start may apply the whole plan.
//
//   java -cp 'lib/*' KafkaAccess.java <client.properties> <plan>
//
// The plan has one instruction per line (tab-separated, `#` starts a comment):
//   scram   <user>       <password>
//   acl     <principal>  <TOPIC|GROUP|CLUSTER>  <LITERAL|PREFIXED>  <name>  <operation>
//   topic   <name>       <partitions>  <replication factor>  [<config>=<value> ...]
//   delete-acl    <principal>  <TOPIC|GROUP|CLUSTER>  <LITERAL|PREFIXED>  <name>  <operation>
//   delete-topics-prefixed  <prefix>      (every topic whose name starts with <prefix>)
//
// The two deletions remove a test run's topic namespace (devstack.kafka.remove_namespace):
// its grants and every topic under `lingban.<namespace>.`, including those a test made
// of its own. Deleting what is not there is no error.
//
// A topic's configs (e.g. retention.ms=-1 for the event topics) are set when it is
// created and, for a topic that already exists, set again with an incremental alter,
// so that an older topic gets them too.

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class KafkaAccess {
    // Kafka's default for SCRAM-SHA-512 is 4096; more iterations cost only at login.
    private static final int ITERATIONS = 8192;

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: KafkaAccess <client.properties> <plan>");
            System.exit(2);
        }
        Properties client = new Properties();
        try (var in = Files.newInputStream(Path.of(args[0]))) {
            client.load(in);
        }
        List<UserScramCredentialAlteration> credentials = new ArrayList<>();
        List<AclBinding> acls = new ArrayList<>();
        List<NewTopic> topics = new ArrayList<>();
        List<AclBindingFilter> revoked = new ArrayList<>();
        List<String> deletedPrefixes = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            switch (f[0]) {
                case "scram" -> credentials.add(new UserScramCredentialUpsertion(
                        f[1], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), f[2]));
                case "acl" -> acls.add(aclBinding(f));
                case "delete-acl" -> revoked.add(aclBinding(f).toFilter());
                case "delete-topics-prefixed" -> deletedPrefixes.add(f[1]);
                case "topic" -> {
                    Map<String, String> configs = new HashMap<>();
                    for (int i = 4; i < f.length; i++) {
                        String[] kv = f[i].split("=", 2);
                        configs.put(kv[0], kv[1]);
                    }
                    topics.add(new NewTopic(f[1], Integer.parseInt(f[2]), Short.parseShort(f[3])).configs(configs));
                }
                default -> throw new IllegalArgumentException("unknown plan line: " + line);
            }
        }
        try (Admin admin = Admin.create(client)) {
            if (!credentials.isEmpty()) {
                admin.alterUserScramCredentials(credentials).all().get();
            }
            if (!acls.isEmpty()) {
                admin.createAcls(acls).all().get();
            }
            if (!topics.isEmpty()) {
                Set<String> existing = admin.listTopics().names().get();
                List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
                try {
                    admin.createTopics(missing).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
                for (NewTopic topic : topics) {
                    if (existing.contains(topic.name()) && !topic.configs().isEmpty()) {
                        List<AlterConfigOp> ops = topic.configs().entrySet().stream()
                                .map(c -> new AlterConfigOp(new ConfigEntry(c.getKey(), c.getValue()), AlterConfigOp.OpType.SET))
                                .toList();
                        alter.put(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()), ops);
                    }
                }
                if (!alter.isEmpty()) {
                    admin.incrementalAlterConfigs(alter).all().get();
                }
            }
            if (!revoked.isEmpty()) {
                admin.deleteAcls(revoked).all().get();
            }
            List<String> deleted = new ArrayList<>();
            if (!deletedPrefixes.isEmpty()) {
                for (String name : admin.listTopics().names().get()) {
                    if (deletedPrefixes.stream().anyMatch(name::startsWith)) {
                        deleted.add(name);
                    }
                }
            }
            if (!deleted.isEmpty()) {
                try {
                    admin.deleteTopics(deleted).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                }
                // Deletion completes asynchronously on the brokers: return once the
                // cluster no longer lists the topics, so a caller that checks (or makes
                // the namespace again) right after sees them gone.
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (admin.listTopics().names().get().stream().anyMatch(deleted::contains)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("topics still listed 60 s after their deletion: " + deleted);
                    }
                    Thread.sleep(200);
                }
            }
            System.out.printf("applied %d credentials, %d ACLs, %d topics; deleted %d ACLs, %d topics%n",
                    credentials.size(), acls.size(), topics.size(), revoked.size(), deleted.size());
        }
    }

    private static AclBinding aclBinding(String[] f) {
        return new AclBinding(
                new ResourcePattern(ResourceType.fromString(f[2]), f[4], PatternType.fromString(f[3])),
                new AccessControlEntry(f[1], "*", AclOperation.fromString(f[5]), AclPermissionType.ALLOW));
    }
}
