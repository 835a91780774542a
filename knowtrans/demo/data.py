"""The demo company: people, the skill catalogue, engagements and what was learned.

Plain data only; ``seed.py`` turns it into rows. Days are relative to today so the demo
always looks current (negative: in the past).
"""

from dataclasses import dataclass, field

from knowtrans.engagements.models import EngagementStatus
from knowtrans.plans.models import Criticality, LearnerRole, Phase
from knowtrans.users.models import Role, UserKind


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    roles: tuple[Role, ...]
    kind: UserKind = UserKind.INTERNAL


@dataclass(frozen=True)
class SkillSpec:
    name: str
    category: str
    description: str


@dataclass(frozen=True)
class Knowledge:
    """What an expert hands over for one skill, and what learners write down about it."""

    #: the expert's handover notes (Markdown)
    handover_notes: str
    #: learning-entry texts, from first steps to mastery (Markdown)
    notes: tuple[str, ...]
    questions: tuple[str, ...]
    links: tuple[str, ...]


@dataclass(frozen=True)
class ConfirmationSpec:
    level: int
    #: "expert" for the engagement's expert, otherwise a person's key (an IT lead)
    by: str
    comment: str = ""


@dataclass(frozen=True)
class AssignmentSpec:
    learner: str
    phase: Phase
    role: LearnerRole = LearnerRole.PRIMARY
    confirmations: tuple[ConfirmationSpec, ...] = ()


@dataclass(frozen=True)
class PlanItemSpec:
    skill: str
    target_level: int
    criticality: Criticality
    #: days from today, or None for "by the planned end"
    due: int | None
    assignments: tuple[AssignmentSpec, ...] = ()


@dataclass(frozen=True)
class EngagementSpec:
    title: str
    expert: str
    client: str
    project: str
    #: days from today
    start: int
    end: int
    status: EngagementStatus
    objectives: str
    items: tuple[PlanItemSpec, ...] = field(default_factory=tuple)
    #: for closed engagements: days after the planned end when it was closed
    closed_after: int | None = None
    close_justification: str = ""


PEOPLE: tuple[Person, ...] = (
    Person("sam", "Sam Porter", (Role.ADMIN,)),
    Person("helena", "Helena Brandt", (Role.CTO,)),
    Person("markus", "Markus Klein", (Role.IT_LEAD,)),
    Person("ines", "Ines Duarte", (Role.IT_LEAD,)),
    Person("jonas", "Jonas Weber", (Role.EXPERT,), UserKind.EXTERNAL),
    Person("priya", "Priya Natarajan", (Role.EXPERT,), UserKind.EXTERNAL),
    Person("lars", "Lars Eriksson", (Role.EXPERT,), UserKind.EXTERNAL),
    Person("aylin", "Aylin Demir", (Role.EXPERT,), UserKind.EXTERNAL),
    Person("dieter", "Dieter Hoffmann", (Role.EXPERT,), UserKind.EXTERNAL),
    Person("camille", "Camille Martin", (Role.EXPERT,), UserKind.EXTERNAL),
    Person("maria", "Maria Lopez", (Role.STAFF,)),
    Person("tom", "Tom Becker", (Role.STAFF,)),
    Person("anna", "Anna Schmidt", (Role.STAFF,)),
    Person("felix", "Felix Wagner", (Role.STAFF,)),
    Person("sara", "Sara Nilsson", (Role.STAFF,)),
    Person("ben", "Ben Okafor", (Role.STAFF,)),
    Person("julia", "Julia Novak", (Role.STAFF,)),
    Person("lukas", "Lukas Meyer", (Role.STAFF,)),
    Person("emma", "Emma Fischer", (Role.STAFF,)),
    Person("david", "David Kim", (Role.STAFF,)),
    Person("nora", "Nora Haddad", (Role.STAFF,)),
    Person("paul", "Paul Richter", (Role.STAFF,)),
)

#: whose login the seed command prints, one per role
LOGIN_PEOPLE: dict[Role, str] = {
    Role.ADMIN: "sam",
    Role.CTO: "helena",
    Role.IT_LEAD: "markus",
    Role.STAFF: "maria",
    Role.EXPERT: "jonas",
}

SKILLS: tuple[SkillSpec, ...] = (
    SkillSpec(
        "Kubernetes operations",
        "Container platform",
        "Running production clusters: upgrades, node pools, drains, quotas, etcd health and "
        "capacity planning.",
    ),
    SkillSpec(
        "Helm chart maintenance",
        "Container platform",
        "Writing and versioning the internal Helm charts, values layering, chart testing.",
    ),
    SkillSpec(
        "ArgoCD GitOps",
        "CI/CD",
        "Application sets, sync waves, drift detection and rollbacks with ArgoCD.",
    ),
    SkillSpec(
        "GitLab CI pipelines",
        "CI/CD",
        "Pipeline templates, runners, protected environments and release jobs in GitLab CI.",
    ),
    SkillSpec(
        "Terraform modules",
        "Infrastructure as code",
        "Designing reusable modules, remote state, workspaces and safe plan/apply workflows.",
    ),
    SkillSpec(
        "Ansible playbooks",
        "Configuration management",
        "Roles, inventories and idempotent playbooks for the Linux server fleet.",
    ),
    SkillSpec(
        "Linux hardening (CIS benchmarks)",
        "Security",
        "Applying and auditing CIS benchmark controls on RHEL and Ubuntu hosts.",
    ),
    SkillSpec(
        "HashiCorp Vault operations",
        "Security",
        "Unsealing, auth methods, policies, dynamic database secrets and Vault upgrades.",
    ),
    SkillSpec(
        "AWS IAM design",
        "Cloud",
        "Account structure, permission sets, SCPs and least-privilege roles for workloads.",
    ),
    SkillSpec(
        "AWS VPC networking",
        "Cloud",
        "VPC design, Transit Gateway, private endpoints, DNS resolver rules and flow logs.",
    ),
    SkillSpec(
        "PostgreSQL tuning",
        "Databases",
        "Reading query plans, indexing, autovacuum and memory settings for busy OLTP databases.",
    ),
    SkillSpec(
        "Patroni HA clusters",
        "Databases",
        "Operating PostgreSQL high availability with Patroni and etcd: failover, switchover, "
        "replica rebuilds.",
    ),
    SkillSpec(
        "pgBackRest backup and restore",
        "Databases",
        "Backup schedules, retention, WAL archiving and point-in-time recovery drills.",
    ),
    SkillSpec(
        "Redis operations",
        "Databases",
        "Redis Sentinel setups, memory policies, persistence and latency troubleshooting.",
    ),
    SkillSpec(
        "Kafka operations",
        "Messaging",
        "Broker upgrades, partition reassignment, consumer lag, ISR problems and quotas.",
    ),
    SkillSpec(
        "Kafka Connect pipelines",
        "Messaging",
        "Running source and sink connectors: Debezium CDC, error handling and restarts.",
    ),
    SkillSpec(
        "Confluent Schema Registry",
        "Messaging",
        "Avro schemas, compatibility modes and schema evolution without breaking consumers.",
    ),
    SkillSpec(
        "Prometheus alerting",
        "Observability",
        "Alert rules, Alertmanager routing and silences, recording rules, alert hygiene.",
    ),
    SkillSpec(
        "Grafana dashboards",
        "Observability",
        "Dashboards as code, provisioning, variables and useful service overviews.",
    ),
    SkillSpec(
        "OpenTelemetry tracing",
        "Observability",
        "Instrumenting services, the collector pipeline, sampling and trace-based debugging.",
    ),
    SkillSpec(
        "Incident response runbooks",
        "Operations",
        "Writing and exercising runbooks, on-call hand-offs and blameless post-mortems.",
    ),
    SkillSpec(
        "Java performance tuning",
        "Application performance",
        "Profiling JVM services: heap and GC analysis, thread dumps, async-profiler flame graphs.",
    ),
    SkillSpec(
        "SAP Basis administration",
        "SAP",
        "System administration of SAP NetWeaver/S/4HANA: kernel updates, work processes, "
        "users and jobs.",
    ),
    SkillSpec(
        "SAP HANA operations",
        "SAP",
        "HANA backups, log volume, memory monitoring and system replication.",
    ),
    SkillSpec(
        "SAP transport management",
        "SAP",
        "TMS routes, transport requests, import queues and ChaRM integration.",
    ),
    SkillSpec(
        "Keycloak SSO",
        "Identity",
        "Realms, clients, identity brokering and session policies in Keycloak.",
    ),
    SkillSpec(
        "LDAP and Active Directory integration",
        "Identity",
        "User federation, group mapping and service accounts against Active Directory.",
    ),
    SkillSpec(
        "OIDC client onboarding",
        "Identity",
        "Registering applications with OpenID Connect: redirect URIs, scopes, token lifetimes.",
    ),
    SkillSpec(
        "Nginx reverse proxy configuration",
        "Networking",
        "Virtual hosts, TLS termination, rate limiting and caching with Nginx.",
    ),
    SkillSpec(
        "Elasticsearch operations",
        "Observability",
        "Index lifecycle policies, shard sizing, snapshots and cluster recovery.",
    ),
    SkillSpec(
        "Linux performance analysis",
        "Operations",
        "Finding CPU, memory, disk and network bottlenecks with perf, sar, iostat and bpftrace.",
    ),
    SkillSpec(
        "Disaster recovery drills",
        "Operations",
        "Planning and running DR tests: RTO/RPO targets, fail-over checklists, lessons learned.",
    ),
)

GIT = "https://git.example.internal"
WIKI = "https://wiki.example.internal"
JIRA = "https://jira.example.internal/browse"

KNOWLEDGE: dict[str, Knowledge] = {
    "Kubernetes operations": Knowledge(
        handover_notes="""\
## Where things live
- Cluster definitions: `platform/clusters` (one folder per cluster, `prod-fra-1` is the big one)
- Upgrade runbook: [Cluster upgrades](https://wiki.example.internal/runbooks/kubernetes/upgrade)
- Node pool sizing sheet: `platform/capacity/nodepools.xlsx` (yes, a spreadsheet — sorry)

## Gotchas
- Always `kubectl drain --ignore-daemonsets --delete-emptydir-data`; the logging agent
  otherwise blocks the drain forever.
- The `payments` namespace has a PodDisruptionBudget of `maxUnavailable: 0`. Scale it up
  by one replica before draining, then scale back.
- etcd defrag only on one member at a time, never during the nightly backup (02:00–02:30).

## Contacts
- Cloud provider TAM: ticket queue *Platform-Support*, escalate via Markus.
- Network team for CNI questions: #net-ops
""",
        notes=(
            """\
Watched Jonas drain and cordon two nodes on `prod-fra-1` before the kernel patch.

- `kubectl get pdb -A` first — the payments PDB blocks drains
- drain order: stateless pools first, then the `system` pool
- the logging DaemonSet needs `--ignore-daemonsets`, otherwise the drain hangs
""",
            """\
Walked through the cluster upgrade runbook end to end on staging.

1. Check deprecated APIs with `kubent` — found two old `policy/v1beta1` objects
2. Upgrade the control plane, wait for all nodes `Ready`
3. Roll node pools one by one, watching `kubectl get events -w`

Learned why we pin the CNI version separately from the cluster version.
""",
            """\
Did the staging upgrade 1.28 → 1.29 myself while Jonas watched. Only hiccup: a webhook
with `failurePolicy: Fail` pointing at a deleted service. Fixed by deleting the stale
`ValidatingWebhookConfiguration`. Added a pre-check for that to the runbook.
""",
            """\
Ran the production upgrade of `prod-fra-1` alone, Jonas only on call. 47 minutes, no
alerts fired. Wrote up timings per node pool so the next upgrade window can be planned.
""",
            """\
Capacity review with the expert: how we size node pools from `kube_pod_container_resource_requests`
versus actual usage. Requests are ~40% above usage in `batch`; proposed smaller nodes.
""",
        ),
        questions=(
            "Who approves changes to the payments PodDisruptionBudget?",
            "Is there a tested procedure for restoring etcd from snapshot on prod?",
        ),
        links=(
            f"{WIKI}/runbooks/kubernetes/upgrade",
            f"{GIT}/platform/clusters/-/merge_requests/412",
            f"{WIKI}/runbooks/kubernetes/node-drain",
        ),
    ),
    "ArgoCD GitOps": Knowledge(
        handover_notes="""\
## Layout
- App-of-apps root: `platform/gitops/root-app.yaml`
- One `ApplicationSet` per environment in `platform/gitops/appsets/`
- Secrets are **not** in Git: ExternalSecrets pull them from Vault.

## Gotchas
- Sync waves: CRDs are wave `-1`, operators `0`, workloads `1`. Keep it that way or the
  first sync on a fresh cluster fails.
- Auto-sync is off for `prod-*` on purpose. Sync manually after the MR is merged.
- If an app is stuck `Progressing`, check the health check of custom resources in
  `argocd-cm` before touching anything else.

## Contacts
- Dev teams ask in #gitops-help; the FAQ is pinned there.
""",
        notes=(
            """\
Jonas explained the app-of-apps layout. Everything starts at `root-app.yaml`, which
points to the `appsets/` folder. Each ApplicationSet uses the git directory generator,
so a new folder under `apps/<env>/` becomes an application automatically.
""",
            """\
Paired on a failing sync: a CRD from the cert-manager upgrade was applied in the same
wave as the `Certificate` objects. Moved the CRDs to wave `-1`. Lesson: read the sync
result per resource, the app-level message is misleading.
""",
            """\
Rolled back the `orders-api` release in prod through ArgoCD history instead of a Git
revert — and learned why we don't: the next sync re-applied the bad version. Did the
proper `git revert` MR afterwards.
""",
            """\
Read through the ArgoCD notifications config; Slack messages go to #deployments via the
`argocd-notifications-cm` templates. Added the commit author to the message template.
""",
            """\
Took the drift detection walkthrough: `argocd app diff` and the *OutOfSync* filter in the
UI. Most drift comes from HPA-managed `replicas`; we ignore that field with
`ignoreDifferences`.
""",
        ),
        questions=(
            "Should prod auto-sync stay disabled once the team is comfortable?",
            "How do we rotate the ArgoCD admin password without downtime?",
        ),
        links=(
            f"{GIT}/platform/gitops/-/merge_requests/233",
            f"{WIKI}/platform/gitops/argocd-layout",
        ),
    ),
    "Prometheus alerting": Knowledge(
        handover_notes="""\
## Where things live
- Rules: `platform/monitoring/rules/*.yaml`, unit-tested with `promtool test rules`
- Alertmanager routing: `platform/monitoring/alertmanager.yaml`

## Gotchas
- Every alert needs `severity` and `team` labels or it lands in the catch-all route.
- Use `for: 10m` on anything based on rates; 1m alerts are flappy.
- Silences made in the UI disappear on Alertmanager restart — use `amtool` with a comment.
""",
        notes=(
            """\
Went through the routing tree: `team` label picks the receiver, `severity=page` goes to
PagerDuty, everything else to Slack. Unlabelled alerts go to the catch-all — there were
11 of those, made a list.
""",
            """\
Wrote my first alert rule (`KafkaConsumerLagHigh`) with a `promtool` unit test. Learned
to alert on symptoms (lag growing for 15m) instead of causes.
""",
            """\
Cleaned up the 11 unlabelled alerts and added the `team` label; two were dead and deleted.
Jonas reviewed the MR, only remark: add a `runbook_url` annotation everywhere.
""",
        ),
        questions=("Do we keep the old Nagios checks for the mainframe link?",),
        links=(
            f"{GIT}/platform/monitoring/-/merge_requests/158",
            f"{WIKI}/runbooks/monitoring/alert-style-guide",
        ),
    ),
    "Helm chart maintenance": Knowledge(
        handover_notes="""\
- Charts live in `platform/charts`, published to the internal registry by CI on tag.
- `base-service` is the chart 80% of teams use; change it carefully and bump the minor
  version for anything new.
- Run `helm unittest` and `ct lint` locally; CI runs the same.
- Known debt: `legacy-batch` chart still uses `apiVersion: v1`.
""",
        notes=(
            """\
Walkthrough of `base-service`: values layering is chart defaults → team values →
environment overrides. The `_helpers.tpl` naming functions are used everywhere, so
renaming anything there breaks every release.
""",
            """\
Added a `topologySpreadConstraints` option to `base-service` with Jonas. Wrote two
`helm unittest` cases. Version bumped to 3.4.0.
""",
            """\
Released 3.4.0 myself and migrated three services. One failed because of a typo in the
team values; `helm template | kubeconform` would have caught it, so it's now in CI.
""",
        ),
        questions=("Who owns the `legacy-batch` chart migration?",),
        links=(f"{GIT}/platform/charts/-/merge_requests/87",),
    ),
    "Incident response runbooks": Knowledge(
        handover_notes="""\
## Where things live
- Runbooks: [wiki runbooks space](https://wiki.example.internal/runbooks/)
- Post-mortem template: `ops/postmortems/TEMPLATE.md`

## How we work
1. Incident commander is whoever is on call until they hand it over explicitly.
2. Status updates every 30 minutes in #incident, even if nothing changed.
3. Post-mortem within 5 working days, blameless, with owners for every action item.

## Gotchas
- The PagerDuty escalation for *database* still points to Aylin until her engagement ends.
""",
        notes=(
            """\
Shadowed the on-call week. Saw two incidents: disk pressure on a logging node and a
certificate about to expire. Both runbooks were outdated; noted the gaps.
""",
            """\
Rewrote the *disk pressure* runbook with real commands (`du -xh --max-depth=1 /var/lib`)
and a decision tree. Jonas walked through it with me on a test node.
""",
            """\
Ran the game day as incident commander: simulated DNS outage. Status updates on time,
but I forgot to hand over IC when I went to debug. Added a checklist item for it.
""",
            """\
Workshop on blameless post-mortems. Key point: the timeline first, conclusions later;
"human error" is never a root cause.
""",
        ),
        questions=(
            "Who takes over the database escalation in PagerDuty after Aylin leaves?",
            "Do post-mortems need sign-off from the CTO?",
        ),
        links=(
            f"{WIKI}/runbooks/ops/disk-pressure",
            f"{JIRA}/OPS-2281",
        ),
    ),
    "Kafka operations": Knowledge(
        handover_notes="""\
## Where things live
- Cluster config: `data/kafka/ansible` (brokers are VMs, not Kubernetes)
- Runbooks: [Kafka runbooks](https://wiki.example.internal/runbooks/kafka/)
- Cruise Control UI: `https://cruise.example.internal` (read-only for everyone, writes need VPN)

## Gotchas
- `min.insync.replicas=2` on all prod topics; restarting two brokers at once makes
  producers fail with `NotEnoughReplicas`. Rolling restarts **one broker at a time**,
  wait for `UnderReplicatedPartitions == 0`.
- The `orders.events` topic has 48 partitions; consumers from the legacy ERP adapter only
  handle 12 and rebalance a lot. Known issue, ticket DATA-977.
- Quotas are per client id, not per user.

## Contacts
- Confluent support contract: see the wiki page *Vendors*.
""",
        notes=(
            """\
Priya showed the broker layout: 5 brokers across 3 racks, `broker.rack` set so replicas
spread. Checked under-replicated partitions with `kafka-topics --describe
--under-replicated-partitions` — none.
""",
            """\
Rolling restart of the staging cluster together. Wait for `UnderReplicatedPartitions`
to reach 0 before the next broker; took ~6 minutes per broker.
""",
            """\
Did the partition reassignment for `payments.ledger` with Cruise Control while Priya
watched. Throttle set to 50 MB/s so producers didn't notice.
""",
            """\
Self-study: read the KIP on KRaft migration. We are still on ZooKeeper; migration is
planned after the engagement, so the notes go into the handover.
""",
        ),
        questions=(
            "What throttle is safe for reassignments during business hours?",
            "Do we have a plan for the ZooKeeper → KRaft migration?",
        ),
        links=(
            f"{WIKI}/runbooks/kafka/rolling-restart",
            f"{GIT}/data/kafka/-/merge_requests/64",
        ),
    ),
    "Kafka Connect pipelines": Knowledge(
        handover_notes="""\
- Connectors are defined as JSON in `data/connect/connectors/` and deployed by CI.
- Debezium reads from the `orders` PostgreSQL replica, never from the primary.
- Failed records go to `dlq.<connector>` topics; check them before restarting anything.
""",
        notes=(
            """\
Walkthrough of the Debezium connector for `orders`: replication slot on the replica,
`snapshot.mode=never` in prod. Learned to check the slot lag with
`pg_replication_slots` when the connector is paused.
""",
            """\
Shadowed a restart of the S3 sink after a credentials rotation. Tasks restart
individually: `POST /connectors/s3-sink/tasks/2/restart`.
""",
        ),
        questions=("Why is the DLQ retention only 3 days?",),
        links=(f"{GIT}/data/connect/-/merge_requests/29",),
    ),
    "Confluent Schema Registry": Knowledge(
        handover_notes="""\
- Compatibility is `BACKWARD_TRANSITIVE` for every `*-value` subject.
- Schemas are registered from CI (`schemas/` repo), never by hand.
- Adding a field: give it a default. Removing one: deprecate first, remove a release later.
""",
        notes=(
            """\
Learned the compatibility modes with examples: adding an optional field with a default is
fine under `BACKWARD`, renaming a field is not (it's a delete plus an add).
""",
            """\
Paired on the `OrderPlaced` v7 schema. CI rejected it — a new enum symbol without a
default. Fixed with `"default": "UNKNOWN"`.
""",
            """\
Reviewed three schema MRs alone and caught one breaking change. Priya confirmed I can
handle schema reviews from now on.
""",
        ),
        questions=("Should the `-key` subjects use FULL compatibility?",),
        links=(f"{GIT}/data/schemas/-/merge_requests/118",),
    ),
    "Grafana dashboards": Knowledge(
        handover_notes="""\
- Dashboards are JSON in `platform/monitoring/dashboards`, provisioned by the sidecar.
- Edit in the UI, then export and commit; UI-only changes are lost on restart.
""",
        notes=(
            """\
Walkthrough of the provisioning: the Grafana sidecar loads every ConfigMap with the label
`grafana_dashboard=1`. Dashboards edited in the UI are overwritten at the next sync.
""",
            """\
Built the Kafka overview dashboard with a `$topic` variable. Used `rate()` over
`$__rate_interval` instead of a fixed `[1m]`.
""",
            """\
Documented the dashboard conventions on the wiki: one row per golden signal, units on
every panel, links to runbooks in the panel description.
""",
        ),
        questions=(),
        links=(f"{WIKI}/platform/monitoring/dashboard-conventions",),
    ),
    "Terraform modules": Knowledge(
        handover_notes="""\
## Where things live
- Modules: `cloud/terraform-modules` (semantic versions, tags `vX.Y.Z`)
- Live config: `cloud/landing-zone/<account>/<region>`; state in S3 with DynamoDB locks

## Gotchas
- Never run `apply` from a laptop for prod; the pipeline uses the `tf-deployer` role.
- `terraform state mv` is needed when renaming resources inside modules — see the
  examples in `docs/refactoring.md`.
- The `network` module has a `lifecycle { prevent_destroy = true }` on the TGW attachment.
  If a plan wants to replace it, stop and ask.

## Contacts
- Cloud Centre of Excellence: #ccoe
""",
        notes=(
            """\
Walked through the module structure: `variables.tf` with validation blocks, `outputs.tf`
kept minimal, examples under `examples/` tested with `terraform test`.
""",
            """\
Paired on the `s3-bucket` module v2: moved the bucket policy into its own resource and
used `moved {}` blocks so existing state didn't need manual `state mv`.
""",
            """\
Wrote the `rds-postgres` module change for storage autoscaling myself. Lars reviewed it;
remark: expose `max_allocated_storage` but default to null.
""",
            """\
Reverse shadowing: I ran the plan/apply for the `shared-services` account while Lars
watched. Caught a forced replacement of a security group in the plan and stopped.
""",
            """\
Self-study: read `docs/refactoring.md` and practised `terraform state mv` on a sandbox
copy of the state. Feels much less scary now.
""",
        ),
        questions=(
            "Can we drop Terraform workspaces and use one state per account instead?",
            "Who maintains the provider version pins after the engagement?",
        ),
        links=(
            f"{GIT}/cloud/terraform-modules/-/merge_requests/301",
            f"{GIT}/cloud/landing-zone/-/merge_requests/122",
            f"{WIKI}/cloud/terraform/refactoring",
        ),
    ),
    "AWS IAM design": Knowledge(
        handover_notes="""\
- Permission sets are managed in `cloud/landing-zone/identity-center/`.
- SCPs: `cloud/landing-zone/organization/scps/` — the `deny-leave-org` and
  `region-restriction` SCPs must never be detached.
- Break-glass user: credentials in the safe, procedure in the wiki (*Break glass*).
- Workload roles use `aws:PrincipalTag/team` conditions; teams tag their roles.
""",
        notes=(
            """\
Walkthrough of the account structure: security, log-archive, shared-services, and one
account per workload and stage. Permission sets map to AD groups.
""",
            """\
Paired on a new permission set for the data team. Learned to start from AWS managed
policies and narrow with `iam:PassRole` conditions. Tested with IAM Access Analyzer.
""",
            """\
Wrote the SCP for denying `ec2:*` outside eu-central-1/eu-west-1 with an exception for
global services. Lars pointed out the exception for `sts` — without it, the console breaks.
""",
        ),
        questions=(
            "Who reviews new permission sets once Lars has left?",
            "Is the break-glass procedure tested yearly?",
        ),
        links=(
            f"{GIT}/cloud/landing-zone/-/merge_requests/140",
            f"{WIKI}/cloud/aws/break-glass",
        ),
    ),
    "AWS VPC networking": Knowledge(
        handover_notes="""\
- IP plan: `cloud/network/ipam.md` — **read it before creating any VPC**.
- Transit Gateway route tables: `prod`, `nonprod`, `shared`. Prod cannot reach nonprod.
- DNS: Route 53 Resolver rules forward `corp.example.internal` to the on-prem DCs.
""",
        notes=(
            """\
Lars explained the hub-and-spoke design with Transit Gateway and the three route tables.
Drew it myself afterwards to be sure; he corrected the shared-services attachment.
""",
            """\
Shadowed the troubleshooting of a timeout from a workload to on-prem. Cause: missing
return route in the on-prem firewall, not AWS. VPC flow logs showed `ACCEPT` outbound
and nothing back.
""",
        ),
        questions=("Do we need IPv6 in the new VPCs?",),
        links=(f"{WIKI}/cloud/network/ip-plan",),
    ),
    "GitLab CI pipelines": Knowledge(
        handover_notes="""\
- Shared templates: `ci/templates` (include with `ref: v4`)
- Runners: Kubernetes executor in `ci-runners` namespace; the `docker` tag means privileged.
- Protected environments: only maintainers can deploy `production`.
""",
        notes=(
            """\
Walked through the `ci/templates` repo: `build`, `test`, `deploy` templates with
`extends`. Versioned by tag; projects pin `ref: v4`.
""",
            """\
Paired on moving the Terraform pipeline to `rules:` instead of `only/except`. Plan runs
on MRs, apply only on the default branch with manual approval.
""",
            """\
Built the release pipeline for the modules repo alone: semantic-release creates the tag
and changelog. Lars reviewed it and signed off.
""",
        ),
        questions=(),
        links=(f"{GIT}/ci/templates/-/merge_requests/77",),
    ),
    "PostgreSQL tuning": Knowledge(
        handover_notes="""\
## Where things live
- Config: `data/postgres/ansible/group_vars/ledger.yml`
- Slow query log goes to Loki, label `app=postgres`; `pg_stat_statements` is enabled.

## Gotchas
- `work_mem` is 32MB; don't raise it globally, set it per role for the reporting user.
- Autovacuum on `ledger_entries` is tuned per table (`autovacuum_vacuum_scale_factor=0.01`).
- Never `CREATE INDEX` without `CONCURRENTLY` on the ledger tables during the day.
""",
        notes=(
            """\
Aylin walked through `pg_stat_statements`: sort by `total_exec_time`, not `mean`. The top
query was the balance report doing a seq scan on `ledger_entries`.
""",
            """\
Read `EXPLAIN (ANALYZE, BUFFERS)` output together. The estimate was off by 1000x —
stale statistics after the bulk import. `ANALYZE ledger_entries` fixed the plan.
""",
            """\
Created a partial index for open entries (`WHERE settled_at IS NULL`) `CONCURRENTLY` on
staging; the report went from 8s to 120ms. Prod rollout planned.
""",
            """\
Self-study on autovacuum: why the per-table scale factor matters for a 400M-row table.
Set up a Grafana panel for `n_dead_tup`.
""",
        ),
        questions=(
            "Should we move to PostgreSQL 16 before or after Aylin leaves?",
            "Is `random_page_cost=1.1` right for our storage?",
        ),
        links=(
            f"{GIT}/data/postgres/-/merge_requests/51",
            f"{WIKI}/runbooks/postgres/slow-queries",
        ),
    ),
    "Patroni HA clusters": Knowledge(
        handover_notes="""\
- `patronictl -c /etc/patroni/patroni.yml list` is your friend.
- Planned switchover: `patronictl switchover --master <current> --candidate <replica>`.
- etcd for Patroni is separate from the Kubernetes etcd. Don't mix them up.
""",
        notes=(
            """\
Walkthrough of the ledger cluster: 3 nodes, Patroni with etcd DCS, HAProxy in front
checking `/primary` and `/replica` endpoints.
""",
            """\
Shadowed a planned switchover on staging. Took 9 seconds; the app reconnected because
the pool has `testOnBorrow`. Reinit of the old primary with `patronictl reinit`.
""",
        ),
        questions=("What happens if etcd loses quorum during a switchover?",),
        links=(f"{WIKI}/runbooks/postgres/patroni-switchover",),
    ),
    "pgBackRest backup and restore": Knowledge(
        handover_notes="""\
- Repo: S3 bucket `ledger-pgbackrest`, full backup Sunday, diff daily, WAL continuous.
- Restore test runbook: [PITR drill](https://wiki.example.internal/runbooks/postgres/pitr)
- Gotcha: `--delta` restores need the same tablespace layout as the source.
""",
        notes=(
            """\
Walkthrough of the backup config: retention `repo1-retention-full=4`, WAL archive check
with `pgbackrest check`. Backups are encrypted; the key is in Vault.
""",
            """\
Did a point-in-time restore to a scratch VM with Aylin: `--type=time
--target="… 14:05:00"`. Learned to pick the target from the app logs, not the DB clock.
""",
            """\
Ran the monthly restore drill alone, documented timings: 1h40 for 900 GB. Markus
reviewed the write-up.
""",
        ),
        questions=("Can we speed up restores with parallel processes?",),
        links=(f"{WIKI}/runbooks/postgres/pitr",),
    ),
    "Redis operations": Knowledge(
        handover_notes="""\
- Sentinel cluster `cache-checkout`, 3 sentinels, quorum 2.
- `maxmemory-policy allkeys-lru`; the session keys have TTLs, the price cache doesn't.
""",
        notes=(
            """\
Walkthrough of the Sentinel setup for the checkout cache. `SENTINEL get-master-addr-by-name
cache-checkout` tells you the current primary.
""",
            """\
Shadowed latency debugging: `redis-cli --latency-history` and `SLOWLOG GET 20` showed
`KEYS *` from a debug endpoint. Endpoint removed.
""",
        ),
        questions=("Should the price cache get a TTL?",),
        links=(f"{JIRA}/SHOP-1502",),
    ),
    "SAP Basis administration": Knowledge(
        handover_notes="""\
## Where things live
- System landscape: DEV (D10), QAS (Q10), PRD (P10); documentation in the wiki space *SAP*.
- Kernel updates: `SUM` media on `\\\\sapshare\\media\\kernel`, checklist in the wiki.

## Gotchas
- Background jobs `RSBTCDEL2` and `SAP_REORG_*` must run daily — check SM37 on Mondays.
- Never restart P10 without announcing it in #sap-users 30 minutes before.
- The RFC user `RFC_BW` has a password that expires; it's set to *never* for a reason.

## Contacts
- SAP support: S-user in the safe; OSS messages via the *SAP Basis* queue.
""",
        notes=(
            """\
Shadowed the daily checks: SM21 (system log), ST22 (dumps), SM37 (jobs), SM50/SM66
(work processes). Dieter's rule: anything red in SM37 before 9:00 gets looked at first.
""",
            """\
Kernel update on Q10 together: stopped the system, swapped the kernel with `SAPCAR`,
checked `disp+work -v`. Took 40 minutes including the checks.
""",
            """\
Did the P10 kernel update myself in the maintenance window. Dieter on the phone only.
No issues; updated the checklist with the new `sapcpe` step.
""",
            """\
Workshop on user and role administration (SU01, PFCG). Learned why we never assign
`SAP_ALL` — only the emergency user has it.
""",
            """\
Walkthrough of printing (SPAD) — the old output devices still point to the decommissioned
print server. Logged it as a follow-up.
""",
        ),
        questions=(
            "Who gets the SAP support S-user when Dieter leaves?",
            "Do we keep the emergency user `FF_ADMIN` or move to Firefighter ID?",
        ),
        links=(
            f"{WIKI}/sap/basis/daily-checks",
            f"{WIKI}/sap/basis/kernel-update",
        ),
    ),
    "SAP HANA operations": Knowledge(
        handover_notes="""\
- HANA backups go to Backint (to the backup server), log backups every 15 minutes.
- System replication PRD → DR site in `async` mode; check with `hdbnsutil -sr_state`.
- Watch the log volume: if `/hana/log` fills up, the database stops.
""",
        notes=(
            """\
Dieter showed HANA Cockpit: memory overview, alerts, backup catalogue. The log volume
alert threshold is at 80%.
""",
            """\
Shadowed a system replication check and a takeover test on the DR pair. `sr_takeover`
is only for real disasters — in the test we used the sandbox pair.
""",
            """\
Self-study on HANA memory: row store vs column store, delta merges. Checked the largest
tables in `M_CS_TABLES`.
""",
        ),
        questions=("When was the last real DR takeover test on P10?",),
        links=(f"{WIKI}/sap/hana/system-replication",),
    ),
    "SAP transport management": Knowledge(
        handover_notes="""\
- TMS domain controller is D10. Routes: D10 → Q10 → P10.
- Imports into P10 only on Tuesday and Thursday after CAB approval.
""",
        notes=(
            """\
Walkthrough of STMS: import queues, transport routes, and how ChaRM creates requests.
""",
            """\
Did the Tuesday import into P10 with Dieter: checked the queue for dependencies first,
imported in the order ChaRM shows.
""",
            """\
Handled the Thursday import alone, including a return code 8 (syntax error in a
customer report). Rolled forward with the corrected transport.
""",
        ),
        questions=(),
        links=(f"{WIKI}/sap/transports/import-schedule",),
    ),
    "Java performance tuning": Knowledge(
        handover_notes="""\
- Profiling: async-profiler is in every image under `/opt/async-profiler`.
- GC logs are on by default (`-Xlog:gc*:file=/tmp/gc.log`), shipped to Loki.
- The checkout service runs G1 with `MaxGCPauseMillis=100`; don't switch to ZGC without a
  load test.
""",
        notes=(
            """\
Priya walked through a flame graph of `checkout-api` under load: 30% in Jackson
serialisation of the cart. The `ObjectMapper` was created per request.
""",
            """\
Shadowed a heap dump analysis in Eclipse MAT: a `ConcurrentHashMap` cache without
eviction holding 1.2 GB. Dominator tree view is the place to start.
""",
        ),
        questions=("Do we have a load test environment that matches prod sizing?",),
        links=(
            f"{GIT}/shop/checkout-api/-/merge_requests/640",
            f"{WIKI}/engineering/java/profiling",
        ),
    ),
    "OpenTelemetry tracing": Knowledge(
        handover_notes="""\
- The Java agent is added by the base image; services only set `OTEL_SERVICE_NAME`.
- Collector config: `platform/otel/collector.yaml`; tail sampling keeps errors and slow
  traces (> 1s), 5% of the rest.
""",
        notes=(
            """\
Walkthrough of the collector pipeline: OTLP receiver → batch → tail sampling → Tempo.
Saw why head sampling lost the interesting traces.
""",
            """\
Paired on adding manual spans around the payment provider call with `@WithSpan` and
attributes for the provider name.
""",
            """\
Debugged a slow checkout myself from a trace: 800ms in a DNS lookup in the fraud check
client. Fixed by reusing the HTTP client.
""",
        ),
        questions=("Should we propagate trace context into Kafka headers?",),
        links=(f"{GIT}/platform/otel/-/merge_requests/23",),
    ),
    "Ansible playbooks": Knowledge(
        handover_notes="""\
- Repo: `infra/ansible`; inventories per environment, roles in `roles/`.
- Run via AWX; never from laptops against prod.
- Molecule tests for every role (`molecule test -s default`).
- Gotcha: the `common` role restarts `sshd` — run it with `serial: 20%`.
""",
        notes=(
            """\
Walkthrough of the repo layout and AWX job templates. Inventories are generated from
the CMDB every night.
""",
            """\
Wrote the `chrony` role with Jonas, including Molecule tests on Rocky and Ubuntu images.
""",
            """\
Ran the patch playbook for the web fleet in AWX alone, with `serial: 20%` and a health
check between batches.
""",
            """\
Reverse shadowing: Jonas watched while I debugged a failing handler — it was notified
but never flushed because a later task failed. `meta: flush_handlers` fixed it.
""",
            """\
Documented the role conventions (defaults, `tasks/main.yml` only includes) on the wiki.
""",
        ),
        questions=("Do we move AWX to the Kubernetes operator?",),
        links=(
            f"{GIT}/infra/ansible/-/merge_requests/210",
            f"{WIKI}/infra/ansible/role-conventions",
        ),
    ),
    "Linux hardening (CIS benchmarks)": Knowledge(
        handover_notes="""\
- Hardening role: `infra/ansible/roles/cis_hardening`, level 1 profile.
- Exceptions are documented in `docs/cis-exceptions.md` with the reason each.
- OpenSCAP reports land in the `compliance` S3 bucket weekly.
""",
        notes=(
            """\
Walkthrough of the CIS level 1 controls we apply and the 9 documented exceptions.
""",
            """\
Ran OpenSCAP on a fresh host and compared with the hardening role. Two controls were
missing (`auditd` rules for `sudoers`).
""",
            """\
Added the missing `auditd` rules to the role, tested with Molecule, rolled out to staging.
""",
        ),
        questions=(),
        links=(f"{GIT}/infra/ansible/-/merge_requests/233",),
    ),
    "HashiCorp Vault operations": Knowledge(
        handover_notes="""\
- Vault cluster: 3 nodes, integrated storage (Raft), auto-unseal via cloud KMS.
- Policies in `infra/vault-config` (Terraform).
- Snapshots: `vault operator raft snapshot save` nightly to S3.
- Gotcha: the database secrets engine leases are 24h; apps must renew.
""",
        notes=(
            """\
Walkthrough of the Vault setup: Raft storage, auto-unseal, the Kubernetes auth method.
""",
            """\
Paired on a new policy and role for the reporting service with dynamic PostgreSQL
credentials.
""",
            """\
Reverse shadowing: restored a Raft snapshot on the test cluster. Took two attempts — the
first failed because the snapshot was from a newer Vault version.
""",
        ),
        questions=(
            "Who is responsible for Vault upgrades after the move to HCP?",
            "How do we test the KMS auto-unseal failure case?",
        ),
        links=(f"{WIKI}/runbooks/vault/snapshot-restore",),
    ),
}


def _c(level: int, by: str, comment: str = "") -> ConfirmationSpec:
    return ConfirmationSpec(level, by, comment)


def _a(
    learner: str,
    phase: Phase,
    *confirmations: ConfirmationSpec,
    backup: bool = False,
) -> AssignmentSpec:
    return AssignmentSpec(
        learner,
        phase,
        LearnerRole.BACKUP if backup else LearnerRole.PRIMARY,
        tuple(confirmations),
    )


C = Criticality
P = Phase

ENGAGEMENTS: tuple[EngagementSpec, ...] = (
    EngagementSpec(
        title="Kubernetes platform handover",
        expert="jonas",
        client="Platform Engineering",
        project="Container platform 2.0",
        start=-150,
        end=10,
        status=EngagementStatus.HANDOVER,
        objectives="""\
Jonas built the container platform. Before he leaves, the platform team must run it alone:

- cluster upgrades and node pool changes without outside help
- GitOps deployments and rollbacks with ArgoCD
- alerting and on-call with working runbooks
""",
        items=(
            PlanItemSpec(
                "Kubernetes operations",
                4,
                C.CRITICAL,
                -5,
                (
                    _a(
                        "maria",
                        P.SIGNED_OFF,
                        _c(3, "expert", "Handles drains and staging upgrades with me watching."),
                        _c(4, "expert", "Ran the prod 1.29 upgrade alone. Signed off."),
                    ),
                    _a(
                        "tom",
                        P.INDEPENDENT,
                        _c(3, "markus", "Solid on day-to-day operations; upgrades still open."),
                        backup=True,
                    ),
                ),
            ),
            PlanItemSpec(
                "ArgoCD GitOps",
                3,
                C.HIGH,
                7,
                (
                    _a("maria", P.INDEPENDENT, _c(2, "expert", "Needs one more rollback.")),
                    _a("felix", P.REVERSE_SHADOWING, backup=True),
                ),
            ),
            PlanItemSpec(
                "Prometheus alerting",
                3,
                C.HIGH,
                3,
                (_a("anna", P.SIGNED_OFF, _c(3, "expert", "Alert clean-up done well.")),),
            ),
            PlanItemSpec(
                "Helm chart maintenance",
                3,
                C.MEDIUM,
                None,
                (_a("felix", P.REVERSE_SHADOWING, _c(2, "expert")),),
            ),
            PlanItemSpec(
                "Incident response runbooks",
                3,
                C.CRITICAL,
                5,
                (
                    _a(
                        "tom",
                        P.INDEPENDENT,
                        _c(2, "markus", "Good runbook work, IC role still shaky."),
                        _c(3, "markus", "Led the game day. Confirmed."),
                    ),
                    _a("anna", P.SHADOWING, backup=True),
                ),
            ),
        ),
    ),
    EngagementSpec(
        title="Kafka event backbone",
        expert="priya",
        client="Order Management",
        project="Event streaming",
        start=-60,
        end=45,
        status=EngagementStatus.ACTIVE,
        objectives="""\
Priya operates our Kafka clusters. The data platform team takes over **broker
operations**, **Connect pipelines** and **schema governance** by the end of the quarter.
""",
        items=(
            PlanItemSpec(
                "Kafka operations",
                4,
                C.CRITICAL,
                30,
                (
                    _a("sara", P.REVERSE_SHADOWING, _c(2, "expert")),
                    _a("david", P.SHADOWING, backup=True),
                ),
            ),
            PlanItemSpec(
                "Kafka Connect pipelines",
                3,
                C.HIGH,
                12,
                (_a("david", P.SHADOWING),),
            ),
            PlanItemSpec(
                "Confluent Schema Registry",
                3,
                C.MEDIUM,
                40,
                (_a("sara", P.INDEPENDENT, _c(3, "expert", "Handles schema reviews alone.")),),
            ),
            PlanItemSpec(
                "Grafana dashboards",
                2,
                C.LOW,
                20,
                (_a("julia", P.SIGNED_OFF, _c(2, "expert")),),
            ),
        ),
    ),
    EngagementSpec(
        title="AWS landing zone with Terraform",
        expert="lars",
        client="Cloud Centre of Excellence",
        project="Landing zone",
        start=-90,
        end=20,
        status=EngagementStatus.ACTIVE,
        objectives="""\
Lars designed the AWS landing zone. The cloud team must be able to change modules,
accounts and permissions safely once he is gone.
""",
        items=(
            PlanItemSpec(
                "Terraform modules",
                4,
                C.CRITICAL,
                15,
                (
                    _a(
                        "ben",
                        P.INDEPENDENT,
                        _c(3, "expert", "Module work is good; state surgery next."),
                    ),
                    _a("maria", P.REVERSE_SHADOWING, backup=True),
                ),
            ),
            PlanItemSpec(
                "AWS IAM design",
                4,
                C.CRITICAL,
                5,
                (_a("lukas", P.REVERSE_SHADOWING, _c(2, "ines", "SCP basics understood.")),),
            ),
            PlanItemSpec("AWS VPC networking", 3, C.HIGH, -4, (_a("lukas", P.SHADOWING),)),
            PlanItemSpec(
                "GitLab CI pipelines",
                3,
                C.MEDIUM,
                -10,
                (_a("ben", P.SIGNED_OFF, _c(3, "expert", "Release pipeline built alone.")),),
            ),
        ),
    ),
    EngagementSpec(
        title="PostgreSQL performance and high availability",
        expert="aylin",
        client="Finance Systems",
        project="Ledger database",
        start=-40,
        end=80,
        status=EngagementStatus.ACTIVE,
        objectives="""\
The ledger database is business critical. Aylin hands over tuning, HA operations and the
backup/restore drills to the DBA team.
""",
        items=(
            PlanItemSpec(
                "PostgreSQL tuning",
                4,
                C.HIGH,
                50,
                (
                    _a("emma", P.REVERSE_SHADOWING, _c(2, "expert"), _c(3, "expert")),
                    _a("nora", P.SHADOWING, backup=True),
                ),
            ),
            PlanItemSpec("Patroni HA clusters", 3, C.CRITICAL, 60, (_a("nora", P.SHADOWING),)),
            PlanItemSpec(
                "pgBackRest backup and restore",
                4,
                C.CRITICAL,
                10,
                (_a("emma", P.INDEPENDENT, _c(3, "markus", "Drill done; wants one more.")),),
            ),
        ),
    ),
    EngagementSpec(
        title="SAP Basis knowledge transfer",
        expert="dieter",
        client="Enterprise Applications",
        project="S/4HANA operations",
        start=-200,
        end=-3,
        status=EngagementStatus.HANDOVER,
        objectives="""\
Dieter has run SAP Basis for years. His contract ends; the SAP team needs a primary and a
backup for every daily and monthly Basis task.
""",
        items=(
            PlanItemSpec(
                "SAP Basis administration",
                4,
                C.CRITICAL,
                -20,
                (
                    _a(
                        "paul",
                        P.SIGNED_OFF,
                        _c(3, "expert"),
                        _c(4, "expert", "Kernel update on P10 alone. Signed off."),
                    ),
                    _a("julia", P.INDEPENDENT, _c(3, "expert"), backup=True),
                ),
            ),
            PlanItemSpec(
                "SAP HANA operations",
                3,
                C.CRITICAL,
                -10,
                (_a("paul", P.INDEPENDENT, _c(2, "ines", "DR knowledge still thin.")),),
            ),
            PlanItemSpec(
                "SAP transport management",
                3,
                C.MEDIUM,
                -30,
                (_a("julia", P.SIGNED_OFF, _c(3, "expert")),),
            ),
        ),
    ),
    EngagementSpec(
        title="Keycloak single sign-on rollout",
        expert="camille",
        client="Workplace IT",
        project="Identity consolidation",
        start=10,
        end=100,
        status=EngagementStatus.PLANNED,
        objectives="""\
Camille sets up Keycloak as the single sign-on for internal applications. The identity
team learns to run it and to onboard new applications themselves.
""",
        items=(
            PlanItemSpec(
                "Keycloak SSO",
                3,
                C.HIGH,
                80,
                (_a("maria", P.PLANNED), _a("anna", P.PLANNED, backup=True)),
            ),
            PlanItemSpec(
                "LDAP and Active Directory integration",
                3,
                C.MEDIUM,
                90,
                (_a("felix", P.PLANNED),),
            ),
            PlanItemSpec("OIDC client onboarding", 2, C.LOW, None, (_a("tom", P.PLANNED),)),
        ),
    ),
    EngagementSpec(
        title="Order service performance",
        expert="priya",
        client="E-commerce",
        project="Checkout latency",
        start=-30,
        end=60,
        status=EngagementStatus.ACTIVE,
        objectives="""\
Checkout p99 latency must stay below 400 ms. Priya profiles the services with the team
and teaches the tools.
""",
        items=(
            PlanItemSpec(
                "Java performance tuning",
                4,
                C.HIGH,
                45,
                (_a("david", P.SHADOWING), _a("tom", P.PLANNED, backup=True)),
            ),
            PlanItemSpec(
                "OpenTelemetry tracing",
                3,
                C.MEDIUM,
                25,
                (_a("julia", P.REVERSE_SHADOWING, _c(2, "expert")),),
            ),
            PlanItemSpec("Redis operations", 3, C.MEDIUM, 35, (_a("nora", P.SHADOWING),)),
        ),
    ),
    EngagementSpec(
        title="Ansible configuration management rollout",
        expert="jonas",
        client="Infrastructure Operations",
        project="Server fleet automation",
        start=-240,
        end=-60,
        status=EngagementStatus.CLOSED,
        objectives="""\
Move the server fleet from hand-made changes to Ansible via AWX, with hardening and
secrets management included.
""",
        closed_after=2,
        close_justification=(
            "Vault moves to the managed HCP offering next quarter; the remaining operational "
            "depth is covered by the vendor support contract. Ben keeps the restore runbook "
            "current until then."
        ),
        items=(
            PlanItemSpec(
                "Ansible playbooks",
                3,
                C.HIGH,
                None,
                (
                    _a("ben", P.SIGNED_OFF, _c(3, "expert", "Runs the fleet patching alone.")),
                    _a("paul", P.SIGNED_OFF, _c(2, "expert"), _c(3, "markus"), backup=True),
                ),
            ),
            PlanItemSpec(
                "Linux hardening (CIS benchmarks)",
                3,
                C.MEDIUM,
                None,
                (_a("emma", P.SIGNED_OFF, _c(3, "expert")),),
            ),
            PlanItemSpec(
                "HashiCorp Vault operations",
                3,
                C.CRITICAL,
                None,
                (_a("ben", P.INDEPENDENT, _c(2, "expert", "Restore works; upgrades not seen.")),),
            ),
        ),
    ),
)
