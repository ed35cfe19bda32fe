//! Authorization by target: `Service::authorize_access` (and `evaluate_access`) decide an
//! action on a resource ARN for any service, with the resource's tags, further context keys
//! and the resource's own policy, without an `Operation` — the path every IAM call takes
//! too. The entities are set up through ordinary IAM calls on a service over a temporary
//! SQLite store.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use rolegate_policy::{ContextValue, Decision, eval::PolicyType};
use rolegate_proto::{Operation, Params};
use rolegate_service::{
    Caller, Identity, RequestEnv, Service, ServiceConfig, ServiceError,
    authorize::{Organizations, Resource, ScpLevel, Target},
    clock::SystemClock,
    session::{Origin, Session, SessionPolicy, SessionPrincipal},
};
use rolegate_store::{Entity, SqliteStore, record};

const MANAGEMENT: &str = "111122223333";
const MEMBER: &str = "444455556666";

/// The organization of the tests: the member account sits under the root and one OU; the
/// OU lets through only `s3:Get*`/`s3:List*`, IAM reads and the simulator, and denies
/// `s3:DeleteBucket`.
/// Switched off while a test sets up its entities (the member account's root is under the
/// SCPs too).
#[derive(Default)]
struct TestOrganization {
    off: AtomicBool,
}

#[async_trait::async_trait]
impl Organizations for TestOrganization {
    async fn service_control_policies(
        &self,
        account: &str,
    ) -> rolegate_service::Result<Vec<ScpLevel>> {
        assert_ne!(
            account, MANAGEMENT,
            "SCPs never apply to the management account"
        );
        if self.off.load(Ordering::SeqCst) {
            return Ok(Vec::new());
        }
        let parse = |text: &str| {
            Arc::new(
                rolegate_policy::parse(text, rolegate_policy::PolicyKind::Identity)
                    .expect("SCP parses"),
            )
        };
        let full = (
            "p-FullAWSAccess".to_owned(),
            parse(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            ),
        );
        let ou = (
            "p-readonly".to_owned(),
            parse(
                r#"{"Version":"2012-10-17","Statement":[
                    {"Effect":"Allow","Action":["s3:Get*","s3:List*","iam:Get*","iam:Simulate*"],"Resource":"*"},
                    {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
            ),
        );
        Ok(match account {
            MEMBER => vec![
                ScpLevel {
                    policies: vec![full.clone()],
                },
                ScpLevel { policies: vec![ou] },
                ScpLevel {
                    policies: vec![full],
                },
            ],
            _ => Vec::new(),
        })
    }
}

struct World {
    service: Service,
    organization: Arc<TestOrganization>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("rolegate.db"))
        .await
        .expect("store");
    let organization = Arc::new(TestOrganization::default());
    let service = Service::new(
        Arc::new(store),
        Arc::new(SystemClock),
        ServiceConfig {
            account_id: MANAGEMENT.into(),
            max_staleness: rolegate_service::DEFAULT_MAX_STALENESS,
        },
    )
    .with_organizations(organization.clone());
    service.ensure_keyring().await.expect("keyring");
    service.bootstrap(None).await.expect("bootstrap");
    service
        .create_account(Some(MEMBER))
        .await
        .expect("member account");
    World {
        service,
        organization,
        _dir: dir,
    }
}

fn env() -> RequestEnv {
    RequestEnv {
        request_id: "test".into(),
        source_ip: Some("192.0.2.10".parse().expect("ip")),
        secure_transport: true,
        user_agent: None,
        region: "us-east-1".into(),
        now: time::OffsetDateTime::now_utc(),
    }
}

fn root(account: &str) -> Caller {
    Caller {
        account: account.into(),
        identity: Identity::Root,
        access_key_id: "AKIAROOTROOTROOTROOT".into(),
        session: None,
    }
}

impl World {
    /// One IAM call as the account's root user (setup only).
    async fn call(&self, account: &str, action: &str, params: &[(&str, &str)]) {
        let params = Params::from_strs(params).expect("params");
        let op = Operation::decode(action, None, &params).expect("operation");
        self.organization.off.store(true, Ordering::SeqCst);
        let done = self.service.execute(&root(account), op, &env()).await;
        self.organization.off.store(false, Ordering::SeqCst);
        done.unwrap_or_else(|e| panic!("{action}: {e}"));
    }

    async fn stored<T: Entity + serde::de::DeserializeOwned>(
        &self,
        account: &str,
        name: &str,
    ) -> T {
        let rec = self
            .service
            .store()
            .get(account, T::KIND, &name.to_lowercase())
            .await
            .expect("store")
            .expect("stored");
        serde_json::from_str(&rec.data).expect("record")
    }

    /// A user holding the given inline policies.
    async fn user(&self, account: &str, name: &str, policies: &[&str]) -> Caller {
        self.call(account, "CreateUser", &[("UserName", name)])
            .await;
        for (n, doc) in policies.iter().enumerate() {
            let policy_name = format!("p{n}");
            self.call(
                account,
                "PutUserPolicy",
                &[
                    ("UserName", name),
                    ("PolicyName", &policy_name),
                    ("PolicyDocument", doc),
                ],
            )
            .await;
        }
        let user: record::User = self.stored(account, name).await;
        Caller {
            account: account.into(),
            identity: Identity::User {
                name: user.name,
                id: user.id,
                path: user.path,
            },
            access_key_id: "AKIAUSERUSERUSERUSER".into(),
            session: None,
        }
    }

    async fn allow(&self, caller: &Caller, target: Target, rp: Option<Resource<'_>>) {
        self.service
            .authorize_access(caller, &target, rp, &env())
            .await
            .unwrap_or_else(|e| panic!("{} on {}: {e}", target.action, target.resource));
    }

    /// The denial's message.
    async fn refuse(&self, caller: &Caller, target: Target, rp: Option<Resource<'_>>) -> String {
        match self
            .service
            .authorize_access(caller, &target, rp, &env())
            .await
        {
            Err(ServiceError::Denied { message, encoded }) => {
                assert!(encoded.is_some(), "an encoded authorization message");
                message
            }
            other => panic!("{} on {}: {other:?}", target.action, target.resource),
        }
    }

    async fn decision(
        &self,
        caller: &Caller,
        target: Target,
        rp: Option<Resource<'_>>,
    ) -> (Decision, Option<PolicyType>) {
        let e = self
            .service
            .evaluate_access(caller, &target, rp, &env())
            .await
            .expect("evaluates");
        (e.decision, e.blame)
    }
}

const GET_PHOTOS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}"#;
const ALL_S3: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

#[tokio::test]
async fn an_identity_policy_allows_an_action_on_a_bucket_arn() {
    let w = world().await;
    let alice = w.user(MANAGEMENT, "alice", &[GET_PHOTOS]).await;
    w.allow(
        &alice,
        Target::new("s3:GetObject", "arn:aws:s3:::photos/cat.jpg"),
        None,
    )
    .await;
    assert_eq!(
        w.refuse(
            &alice,
            Target::new("s3:GetObject", "arn:aws:s3:::secrets/key"),
            None
        )
        .await,
        "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject \
         on resource: arn:aws:s3:::secrets/key because no identity-based policy allows the \
         s3:GetObject action"
    );
    assert_eq!(
        w.decision(
            &alice,
            Target::new("s3:PutObject", "arn:aws:s3:::photos/cat.jpg"),
            None
        )
        .await,
        (Decision::ImplicitDeny, Some(PolicyType::Identity))
    );
}

#[tokio::test]
async fn resource_tags_and_further_context_keys_reach_conditions() {
    let w = world().await;
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home",
         "Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"},
                      "StringEquals":{"aws:ResourceTag/team":"blue"}}},
        {"Effect":"Deny","Action":"s3:*","Resource":"*",
         "Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":"athena.amazonaws.com"}}}]}"#;
    let bob = w.user(MANAGEMENT, "bob", &[policy]).await;
    let list = |prefix: &str| {
        Target::new("s3:ListBucket", "arn:aws:s3:::home")
            .resource_tag("team", "blue")
            .key("s3:prefix", prefix)
    };
    w.allow(&bob, list("home/bob/docs"), None).await;
    assert_eq!(
        w.decision(&bob, list("home/alice/docs"), None).await.0,
        Decision::ImplicitDeny
    );
    let mut other_team = list("home/bob/docs");
    other_team.resource_tags[0].value = "red".into();
    assert_eq!(
        w.decision(&bob, other_team, None).await.0,
        Decision::ImplicitDeny
    );
    let via_athena = list("home/bob/docs").multi_key(
        "aws:CalledVia",
        vec!["glue.amazonaws.com".into(), "athena.amazonaws.com".into()],
    );
    assert!(
        w.refuse(&bob, via_athena, None)
            .await
            .ends_with("with an explicit deny in an identity-based policy")
    );
}

#[tokio::test]
async fn a_same_account_resource_policy_grants_without_an_identity_policy() {
    let w = world().await;
    let carol = w.user(MANAGEMENT, "carol", &[]).await;
    let bucket = w
        .service
        .parse_resource_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::111122223333:user/carol"},
                "Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}"#,
        )
        .expect("bucket policy");
    let shared = Resource::in_account(MANAGEMENT);
    let rp = shared.with_policy("arn:aws:s3:::shared", &bucket);
    let get = || Target::new("s3:GetObject", "arn:aws:s3:::shared/report.csv");
    w.allow(&carol, get(), Some(rp)).await;
    assert_eq!(
        w.decision(&carol, get(), None).await.0,
        Decision::ImplicitDeny,
        "without the bucket policy nothing allows"
    );
    // Naming the account delegates to its identity policies, which allow nothing here.
    let account_only = w
        .service
        .parse_resource_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::111122223333:root"},
                "Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .expect("bucket policy");
    let delegating = shared.with_policy("arn:aws:s3:::shared", &account_only);
    assert_eq!(
        w.decision(&carol, get(), Some(delegating)).await.0,
        Decision::ImplicitDeny
    );
    // A Deny in the bucket policy binds even the root user.
    let deny_all = w
        .service
        .parse_resource_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
                "Action":"s3:*","Resource":"*"}]}"#,
        )
        .expect("bucket policy");
    w.allow(&root(MANAGEMENT), get(), None).await;
    assert_eq!(
        w.decision(
            &root(MANAGEMENT),
            get(),
            Some(shared.with_policy("arn:aws:s3:::shared", &deny_all))
        )
        .await,
        (Decision::ExplicitDeny, Some(PolicyType::Resource))
    );
}

#[tokio::test]
async fn cross_account_needs_the_identity_policy_and_the_resource_policy() {
    let w = world().await;
    let bucket = w
        .service
        .parse_resource_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::111122223333:root"},
                "Action":"s3:GetObject","Resource":"arn:aws:s3:::member-data/*"}]}"#,
        )
        .expect("bucket policy");
    // The bucket is the member account's; the callers are the management account's.
    let owner = Resource::in_account(MEMBER);
    let rp = owner.with_policy("arn:aws:s3:::member-data", &bucket);
    let get = || Target::new("s3:GetObject", "arn:aws:s3:::member-data/x");
    let with_identity = w.user(MANAGEMENT, "dan", &[ALL_S3]).await;
    let without = w.user(MANAGEMENT, "erin", &[]).await;
    w.allow(&with_identity, get(), Some(rp)).await;
    assert_eq!(
        w.decision(&without, get(), Some(rp)).await,
        (Decision::ImplicitDeny, Some(PolicyType::Identity)),
        "the resource policy alone is not enough across accounts"
    );
    assert_eq!(
        w.decision(&with_identity, get(), Some(owner)).await,
        (Decision::ImplicitDeny, Some(PolicyType::Resource)),
        "the identity policy alone is not enough across accounts"
    );
    let elsewhere = w
        .service
        .parse_resource_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::999988887777:root"},
                "Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .expect("bucket policy");
    assert!(
        w.refuse(
            &with_identity,
            get(),
            Some(owner.with_policy("arn:aws:s3:::member-data", &elsewhere))
        )
        .await
        .ends_with("because no resource-based policy allows the s3:GetObject action"),
        "a policy trusting another account"
    );
}

#[tokio::test]
async fn a_deny_in_a_boundary_denies() {
    let w = world().await;
    w.call(
        MANAGEMENT,
        "CreatePolicy",
        &[
            ("PolicyName", "no-deletes"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[
                    {"Effect":"Allow","Action":"*","Resource":"*"},
                    {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#,
            ),
        ],
    )
    .await;
    let frank = w.user(MANAGEMENT, "frank", &[ALL_S3]).await;
    w.call(
        MANAGEMENT,
        "PutUserPermissionsBoundary",
        &[
            ("UserName", "frank"),
            (
                "PermissionsBoundary",
                "arn:aws:iam::111122223333:policy/no-deletes",
            ),
        ],
    )
    .await;
    w.allow(
        &frank,
        Target::new("s3:PutObject", "arn:aws:s3:::b/k"),
        None,
    )
    .await;
    assert_eq!(
        w.refuse(
            &frank,
            Target::new("s3:DeleteObject", "arn:aws:s3:::b/k"),
            None
        )
        .await,
        "User: arn:aws:iam::111122223333:user/frank is not authorized to perform: \
         s3:DeleteObject on resource: arn:aws:s3:::b/k with an explicit deny in a permissions \
         boundary"
    );
}

#[tokio::test]
async fn session_policies_cap_and_deny() {
    let w = world().await;
    w.call(
        MANAGEMENT,
        "CreateRole",
        &[
            ("RoleName", "reader"),
            (
                "AssumeRolePolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#,
            ),
        ],
    )
    .await;
    w.call(
        MANAGEMENT,
        "PutRolePolicy",
        &[
            ("RoleName", "reader"),
            ("PolicyName", "s3"),
            ("PolicyDocument", ALL_S3),
        ],
    )
    .await;
    let role: record::Role = w.stored(MANAGEMENT, "reader").await;
    let session = Session {
        access_key_id: "ASIASESSIONSESSION01".into(),
        secret: "s".repeat(40).into(),
        account: MANAGEMENT.into(),
        principal: SessionPrincipal::Role {
            id: role.id.clone(),
            name: role.name.clone(),
            path: role.path.clone(),
            session: "s1".into(),
        },
        issued_ms: 0,
        expires: i64::MAX,
        source_identity: None,
        tags: Vec::new(),
        transitive: Vec::new(),
        policies: Some(vec![SessionPolicy {
            label: "session-policy".into(),
            document: r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["s3:Get*","s3:Put*"],"Resource":"*"},
                {"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::audit/*"}]}"#
                .into(),
        }]),
        mfa_at: None,
        origin: Origin {
            key: "AKIAUSERUSERUSERUSER".into(),
            expires: i64::MAX,
            depth: 0,
        },
    };
    let caller = Caller {
        account: MANAGEMENT.into(),
        identity: Identity::AssumedRole {
            role_name: role.name.clone(),
            role_id: role.id.clone(),
            role_path: role.path.clone(),
            session_name: "s1".into(),
        },
        access_key_id: "ASIASESSIONSESSION01".into(),
        session: Some(Arc::new(session)),
    };
    w.allow(
        &caller,
        Target::new("s3:PutObject", "arn:aws:s3:::b/k"),
        None,
    )
    .await;
    assert_eq!(
        w.decision(
            &caller,
            Target::new("s3:DeleteObject", "arn:aws:s3:::b/k"),
            None
        )
        .await,
        (Decision::ImplicitDeny, Some(PolicyType::Session))
    );
    assert!(
        w.refuse(
            &caller,
            Target::new("s3:PutObject", "arn:aws:s3:::audit/k"),
            None
        )
        .await
        .ends_with("with an explicit deny in a session policy")
    );
}

#[tokio::test]
async fn service_control_policies_cap_a_member_account() {
    let w = world().await;
    let gina = w.user(MEMBER, "gina", &[ALL_S3]).await;
    let get = Target::new("s3:GetObject", "arn:aws:s3:::b/k");
    w.allow(&gina, get.clone(), None).await;
    assert_eq!(
        w.refuse(&gina, Target::new("s3:PutObject", "arn:aws:s3:::b/k"), None)
            .await,
        "User: arn:aws:iam::444455556666:user/gina is not authorized to perform: s3:PutObject \
         on resource: arn:aws:s3:::b/k because no service control policy allows the \
         s3:PutObject action"
    );
    assert!(
        w.refuse(
            &gina,
            Target::new("s3:DeleteBucket", "arn:aws:s3:::b"),
            None
        )
        .await
        .ends_with("with an explicit deny in a service control policy")
    );
    // The member account's root user is under its SCPs too.
    assert_eq!(
        w.decision(
            &root(MEMBER),
            Target::new("s3:PutObject", "arn:aws:s3:::b/k"),
            None
        )
        .await,
        (Decision::ImplicitDeny, Some(PolicyType::ServiceControl))
    );
    // A same-account resource policy that names the user grants nothing past the SCPs.
    let bucket = w
        .service
        .parse_resource_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Principal":{"AWS":"arn:aws:iam::444455556666:user/gina"},
                "Action":"s3:*","Resource":"*"}]}"#,
        )
        .expect("bucket policy");
    let rp = Resource::in_account(MEMBER).with_policy("arn:aws:s3:::b", &bucket);
    assert_eq!(
        w.decision(
            &gina,
            Target::new("s3:PutObject", "arn:aws:s3:::b/k"),
            Some(rp)
        )
        .await,
        (Decision::ImplicitDeny, Some(PolicyType::ServiceControl))
    );
    // The management account is never under SCPs (the organization is not even asked).
    let ivan = w.user(MANAGEMENT, "ivan", &[ALL_S3]).await;
    w.allow(
        &ivan,
        Target::new("s3:DeleteBucket", "arn:aws:s3:::b"),
        None,
    )
    .await;
}

#[tokio::test]
async fn iam_calls_take_the_same_path() {
    let w = world().await;
    let admin =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let jane = w.user(MEMBER, "jane", &[admin]).await;
    let call = |action: &str, params: &[(&str, &str)]| {
        let params = Params::from_strs(params).expect("params");
        Operation::decode(action, None, &params).expect("operation")
    };
    // The OU's SCP allows iam:Get* and nothing else of IAM.
    w.service
        .execute(&jane, call("GetUser", &[("UserName", "jane")]), &env())
        .await
        .expect("GetUser is within the SCPs");
    match w
        .service
        .execute(&jane, call("CreateUser", &[("UserName", "kim")]), &env())
        .await
    {
        Err(ServiceError::Denied { message, .. }) => assert!(
            message.ends_with("because no service control policy allows the iam:CreateUser action"),
            "{message}"
        ),
        Err(other) => panic!("CreateUser: {other:?}"),
        Ok(_) => panic!("CreateUser past the SCPs"),
    }
    // And the public path decides the same for the same target.
    assert_eq!(
        w.decision(
            &jane,
            Target::new("iam:CreateUser", "arn:aws:iam::444455556666:user/kim"),
            None
        )
        .await,
        (Decision::ImplicitDeny, Some(PolicyType::ServiceControl))
    );
}

#[tokio::test]
async fn the_callers_own_keys_come_from_its_credentials_only() {
    let w = world().await;
    let abac = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}"#;
    let lee = w.user(MANAGEMENT, "lee", &[abac]).await;
    for key in [
        "aws:PrincipalTag/team",
        "AWS:principaltag/team",
        "aws:username",
        "aws:userid",
    ] {
        let target = Target::new("s3:GetObject", "arn:aws:s3:::b/k").key(key, "blue");
        match w
            .service
            .authorize_access(&lee, &target, None, &env())
            .await
        {
            Err(ServiceError::InvalidInput(_)) => {}
            other => panic!("{key}: {other:?}"),
        }
    }
    // Keys of the request environment replace a further key of the same name.
    let ip_bound = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;
    let mo = w.user(MANAGEMENT, "mo", &[ip_bound]).await;
    let spoofed = Target {
        context: vec![("aws:SourceIp".into(), ContextValue::single("10.1.2.3"))],
        ..Target::new("s3:GetObject", "arn:aws:s3:::b/k")
    };
    assert_eq!(
        w.decision(&mo, spoofed, None).await.0,
        Decision::ImplicitDeny,
        "the request came from 192.0.2.10"
    );
}

#[tokio::test]
async fn the_simulator_applies_the_same_scps_to_a_stored_principal() {
    let w = world().await;
    w.user(MEMBER, "nia", &[ALL_S3]).await;
    let params = Params::from_pairs(
        [
            ("PolicySourceArn", "arn:aws:iam::444455556666:user/nia"),
            ("ActionNames.member.1", "s3:GetObject"),
            ("ActionNames.member.2", "s3:PutObject"),
            ("ActionNames.member.3", "s3:DeleteBucket"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
    .expect("params");
    let op = Operation::decode("SimulatePrincipalPolicy", None, &params).expect("operation");
    let reply = w
        .service
        .execute(&root(MEMBER), op, &env())
        .await
        .expect("the member's root may simulate within its SCPs");
    let Some(result) = reply.result() else {
        panic!("SimulatePrincipalPolicy has a result");
    };
    let xml =
        rolegate_proto::xml::render_response("SimulatePrincipalPolicy", "ns", Some(result), "r");
    let decision = |action: &str| {
        xml.split("<EvalActionName>")
            .find(|chunk| chunk.starts_with(&format!("{action}<")))
            .and_then(|chunk| chunk.split("<EvalDecision>").nth(1))
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_else(|| panic!("{action} in {xml}"))
            .to_owned()
    };
    assert_eq!(decision("s3:GetObject"), "allowed");
    assert_eq!(decision("s3:PutObject"), "implicitDeny");
    assert_eq!(decision("s3:DeleteBucket"), "explicitDeny");
}

/// `Service::policies_read_key`: a resource server (the S3 gateway's `s3:ExistingObjectTag/*`)
/// fetches a costly key only when a policy of the decision reads it — an identity policy's
/// condition or variable, or the resource's policy — and never otherwise.
#[tokio::test]
async fn policies_read_key_finds_the_policies_that_read_a_key() {
    let w = world().await;
    let prefix = "s3:ExistingObjectTag/";
    let plain = w
        .user(
            MANAGEMENT,
            "plain",
            &[r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"a/"}}}]}"#],
        )
        .await;
    let tagged = w
        .user(
            MANAGEMENT,
            "tagged",
            &[r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"S3:EXISTINGOBJECTTAG/team":"${aws:username}"}}}]}"#],
        )
        .await;
    assert!(
        !w.service
            .policies_read_key(&plain, None, prefix)
            .await
            .expect("policies"),
        "no policy reads the key"
    );
    assert!(
        w.service
            .policies_read_key(&tagged, None, prefix)
            .await
            .expect("policies"),
        "an identity policy reads it (any case)"
    );
    let bucket = w
        .service
        .parse_resource_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"secret"}}}]}"#,
        )
        .expect("bucket policy");
    let resource = Resource::in_account(MANAGEMENT).with_policy("arn:aws:s3:::b", &bucket);
    assert!(
        w.service
            .policies_read_key(&plain, Some(resource), prefix)
            .await
            .expect("policies"),
        "the resource's policy reads it"
    );
    assert!(
        !w.service
            .policies_read_key(&plain, Some(Resource::in_account(MANAGEMENT)), prefix)
            .await
            .expect("policies"),
        "a resource without a policy adds nothing"
    );
}
