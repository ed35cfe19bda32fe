//! The service side of the operations table: for every operation, what it needs to be
//! authorized — its resource and the request's condition keys — declared beside its handler
//! (the `handlers!` block of each module), and who may call it at all with temporary
//! credentials. `authorize` resolves a [`Needs`] against the stored entities; the dispatch
//! generated from `rolegate_proto::operations_table!` runs the handler.
//!
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html>

use std::future::Future;

use rolegate_proto::dto::shapes::Tag;

use rolegate_proto::Operation;

use crate::{Caller, Reply, RequestEnv, Result, Service, ServiceError, iam::Ctx};

/// One operation's handler and authorization.
pub(crate) trait Handler: Sized {
    /// The output (`()` when it has no members).
    type Output;
    /// What temporary credentials may call it.
    const CALLABLE: Callable = Callable::ByService;
    /// What the call needs to be authorized; `None` when no policy can deny it
    /// (GetCallerIdentity) or its handler authorizes it (AssumeRole, against the trust policy).
    fn needs<'a>(&'a self, caller: &'a Caller) -> Option<Needs<'a>>;
    /// Performs the authorized call.
    fn handle<'a>(
        self,
        service: &'a Service,
        c: &'a Ctx<'a>,
    ) -> impl Future<Output = Result<Self::Output>> + Send + 'a;
}

/// What each kind of temporary credentials may call
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html#stsapi_comparison>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Callable {
    /// The service's rule: IAM refuses federated users and sessions without MFA that came
    /// from GetSessionToken; STS lets role sessions call it and other sessions only what is
    /// marked [`Callable::AnySession`].
    ByService,
    /// Any credentials (GetCallerIdentity).
    Always,
    /// Any session except a federated user's (AssumeRole).
    AnySession,
    /// Long-term credentials only; sessions get AccessDenied with this message.
    LongTermOnly(&'static str),
}

/// The resource an operation acts on, as the request names it; `authorize` turns it into the
/// stored entity's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NamedResource<'a> {
    /// A user (`None`: the caller itself, or the account's root for other callers), and the
    /// path it is created at.
    User(Option<&'a str>, Option<&'a str>),
    /// A group, and the path it is created at.
    Group(&'a str, Option<&'a str>),
    /// A role, and the path it is created at.
    Role(&'a str, Option<&'a str>),
    /// The service-linked role CreateServiceLinkedRole makes for a service (with a custom
    /// suffix): its name and path are the service's.
    ServiceLinkedRole(&'a str, Option<&'a str>),
    /// A delegation request by id (`*`: one being created).
    DelegationRequest(&'a str),
    /// A resource named by the ARN the request gives, as given.
    Given(&'a str),
    /// An account's root user, by account id or root ARN (AssumeRoot's target).
    RootUser(&'a str),
    /// An Organizations access report on an entity path
    /// (`arn:…:iam::ACCOUNT:access-report/o-…/r-…/…`).
    AccessReport(&'a str),
    /// The service-linked role a deletion task (`task/aws-service-role/SERVICE/NAME/ID`) was
    /// about.
    DeletionTask(&'a str),
    /// An instance profile, and the path it is created at.
    Profile(&'a str, Option<&'a str>),
    /// A server certificate, and the path it is uploaded at.
    ServerCertificate(&'a str, Option<&'a str>),
    /// A managed policy by ARN.
    Policy(&'a str),
    /// A managed policy being created: name and path.
    NewPolicy(&'a str, Option<&'a str>),
    /// A kind listed under a path prefix (`arn:…:user/prefix/`).
    Kind(&'static str, Option<&'a str>),
    /// The owner of an access key.
    Key(&'a str),
    /// A principal named by ARN (the simulator's source).
    Principal(&'a str),
    /// A virtual MFA device being created: name and path.
    NewDevice(&'a str, &'a str),
    /// An MFA device by serial number.
    Device(&'a str),
    /// A federated user of the caller's account (`arn:…:sts::ACCOUNT:federated-user/NAME`).
    FederatedUser(&'a str),
    /// An OpenID Connect provider by ARN.
    OidcProvider(&'a str),
    /// An OpenID Connect provider being created, by URL.
    NewOidcProvider(&'a str),
    /// A SAML provider by ARN.
    SamlProvider(&'a str),
    /// A SAML provider being created, by name.
    NewSamlProvider(&'a str),
    /// A resource of the organization, by id.
    Org(OrgResource<'a>),
    /// Every resource (`*`): the action has no resource type.
    Any,
}

/// A resource of the organization as a request names it (by id); `authorize` makes its ARN
/// from the stored organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrgResource<'a> {
    /// No resource type (`*`).
    None,
    /// An account.
    Account(&'a str),
    /// An organizational unit.
    Unit(&'a str),
    /// The root.
    Root(&'a str),
    /// A policy.
    Policy(&'a str),
    /// A root, OU, account or policy, whichever the id names.
    Any(&'a str),
}

/// What one call needs to be authorized.
#[derive(Debug, Clone)]
pub(crate) struct Needs<'a> {
    /// The resource.
    pub resource: NamedResource<'a>,
    /// `aws:RequestTag/*` and `aws:TagKeys`.
    pub request_tags: &'a [Tag],
    /// `aws:TagKeys` of an untag call.
    pub tag_keys: &'a [String],
    /// Keys whose value is a managed policy's ARN (`iam:PolicyARN`, `iam:PermissionsBoundary`),
    /// as the request names it: authorization uses the stored policy's ARN.
    pub policy_keys: Vec<(&'static str, &'a str)>,
    /// `iam:PermissionsBoundary` from the entity's own boundary (calls that change what a user
    /// or role may do).
    pub entity_boundary: bool,
    /// Tag keys compare without case on this resource (users, roles): a stored key the
    /// request spells differently is in `aws:TagKeys` too.
    pub fold_tag_keys: bool,
    /// A rename's or move's target (new path, new name), authorized like the source.
    pub moved_to: Option<(Option<&'a str>, Option<&'a str>)>,
    /// A role passed to EC2 with an instance profile (`iam:PassRole`).
    pub passes_role: Option<&'a str>,
    /// Further resources of the organization the same action needs (MoveAccount's parents,
    /// AttachPolicy's target).
    pub org_also: Vec<OrgResource<'a>>,
    /// Further single-valued condition keys the request sets, as it spells them
    /// (`iam:AWSServiceName`, `sts:TaskPolicyArn`, `sts:DurationSeconds`).
    pub keys: Vec<(&'static str, std::borrow::Cow<'a, str>)>,
    /// Further multivalued condition keys (`sts:IdentityTokenAudience`).
    pub multi_keys: Vec<(&'static str, &'a [String])>,
}

impl<'a> Needs<'a> {
    /// A call on `resource`.
    pub fn on(resource: NamedResource<'a>) -> Self {
        Self {
            resource,
            request_tags: &[],
            tag_keys: &[],
            policy_keys: Vec::new(),
            entity_boundary: false,
            fold_tag_keys: false,
            moved_to: None,
            passes_role: None,
            org_also: Vec::new(),
            keys: Vec::new(),
            multi_keys: Vec::new(),
        }
    }

    /// A further condition key of the request.
    pub fn key(mut self, key: &'static str, value: impl Into<std::borrow::Cow<'a, str>>) -> Self {
        self.keys.push((key, value.into()));
        self
    }

    /// A further multivalued condition key of the request.
    pub fn multi_key(mut self, key: &'static str, values: &'a [String]) -> Self {
        self.multi_keys.push((key, values));
        self
    }

    /// A resource of the organization.
    pub fn org(resource: OrgResource<'a>) -> Self {
        Self::on(NamedResource::Org(resource))
    }

    /// One more resource of the organization, authorized with the same action.
    pub fn and_org(mut self, resource: OrgResource<'a>) -> Self {
        self.org_also.push(resource);
        self
    }

    /// A user (`None`: the caller).
    pub fn user(name: Option<&'a str>) -> Self {
        Self::on(NamedResource::User(name, None))
    }

    /// A user being created at `path` (default `/`).
    pub fn new_user(name: &'a str, path: Option<&'a str>) -> Self {
        Self::on(NamedResource::User(Some(name), Some(path.unwrap_or("/"))))
    }

    /// A group.
    pub fn group(name: &'a str) -> Self {
        Self::on(NamedResource::Group(name, None))
    }

    /// A group being created.
    pub fn new_group(name: &'a str, path: Option<&'a str>) -> Self {
        Self::on(NamedResource::Group(name, Some(path.unwrap_or("/"))))
    }

    /// A role.
    pub fn role(name: &'a str) -> Self {
        Self::on(NamedResource::Role(name, None))
    }

    /// A role being created.
    pub fn new_role(name: &'a str, path: Option<&'a str>) -> Self {
        Self::on(NamedResource::Role(name, Some(path.unwrap_or("/"))))
    }

    /// An instance profile.
    pub fn profile(name: &'a str) -> Self {
        Self::on(NamedResource::Profile(name, None))
    }

    /// An instance profile being created.
    pub fn new_profile(name: &'a str, path: Option<&'a str>) -> Self {
        Self::on(NamedResource::Profile(name, Some(path.unwrap_or("/"))))
    }

    /// A managed policy.
    pub fn policy(arn: &'a str) -> Self {
        Self::on(NamedResource::Policy(arn))
    }

    /// Entities of a kind under a path prefix (the List calls).
    pub fn list(kind: &'static str, prefix: Option<&'a str>) -> Self {
        Self::on(NamedResource::Kind(kind, prefix))
    }

    /// Every resource.
    pub fn any() -> Self {
        Self::on(NamedResource::Any)
    }

    /// The tags the request sets.
    pub fn tags(self, request_tags: &'a [Tag]) -> Self {
        Self {
            request_tags,
            ..self
        }
    }

    /// The tag keys the request removes.
    pub fn untags(self, tag_keys: &'a [String]) -> Self {
        Self { tag_keys, ..self }
    }

    /// Tag keys compare without case on this resource.
    pub fn fold_tag_keys(self) -> Self {
        Self {
            fold_tag_keys: true,
            ..self
        }
    }

    /// A key whose value is a managed policy's ARN.
    pub fn policy_key(mut self, key: &'static str, arn: &'a str) -> Self {
        self.policy_keys.push((key, arn));
        self
    }

    /// `iam:PermissionsBoundary` from the request, when it names one.
    pub fn boundary_key(self, arn: Option<&'a str>) -> Self {
        match arn {
            Some(arn) => self.policy_key("iam:PermissionsBoundary", arn),
            None => self,
        }
    }

    /// `iam:PermissionsBoundary` from the entity's own boundary.
    pub fn entity_boundary(self) -> Self {
        Self {
            entity_boundary: true,
            ..self
        }
    }

    /// The new path and/or name of a rename or move.
    pub fn moved_to(self, path: Option<&'a str>, name: Option<&'a str>) -> Self {
        Self {
            moved_to: (path.is_some() || name.is_some()).then_some((path, name)),
            ..self
        }
    }

    /// A role passed to EC2.
    pub fn passes_role(self, role: &'a str) -> Self {
        Self {
            passes_role: Some(role),
            ..self
        }
    }
}

/// Declares the handlers of a module: for each input type, its output (none: `()`), the
/// `Service` method that performs it, who may call it with temporary credentials (optional)
/// and what it needs to be authorized (`|input, caller| Needs` or `None`).
macro_rules! handlers {
    ($( $input:ty $(=> $output:ty)? : $method:ident $(, callable $callable:expr)? , needs |$i:ident, $c:tt| $needs:expr ; )*) => {
        $(
            impl $crate::handler::Handler for $input {
                type Output = handlers!(@output $($output)?);
                $( const CALLABLE: $crate::handler::Callable = $callable; )?
                #[allow(unused_variables, reason = "not every operation's needs read the input")]
                fn needs<'a>(&'a self, caller: &'a $crate::Caller) -> Option<$crate::handler::Needs<'a>> {
                    let $i = self;
                    let $c = caller;
                    $needs.into()
                }
                fn handle<'a>(
                    self,
                    service: &'a $crate::Service,
                    c: &'a $crate::iam::Ctx<'a>,
                ) -> impl std::future::Future<Output = $crate::Result<Self::Output>> + Send + 'a {
                    service.$method(c, self)
                }
            }
        )*
    };
    (@output) => { () };
    (@output $o:ty) => { $o };
}
pub(crate) use handlers;

/// An operation that may be called without a signature (the table marks it `#[unsigned]`):
/// its handler never sees a caller, so an anonymous call cannot reach code that needs one.
pub(crate) trait UnsignedHandler: Sized {
    /// The output (`()` when it has no members).
    type Output;
    /// Performs the call.
    fn handle<'a>(
        self,
        service: &'a Service,
        env: &'a RequestEnv,
    ) -> impl Future<Output = Result<Self::Output>> + Send + 'a;
}

/// The dispatch, the needs and the session rules of every operation, generated from the one
/// operations table (`rolegate_proto::operations_table!`): a row without a handler does not
/// compile.
macro_rules! from_the_table {
    ( $( $service:ident { $( $(#[$flag:ident $(( $($arg:expr),* ))?])* $op:ident $(as $wire:literal)? ($input:ty) $(-> $output:ty)? ),* $(,)? } )* ) => {
        impl Service {
            /// The handler of an authorized, signed operation.
            pub(crate) async fn dispatch(&self, c: &Ctx<'_>, op: Operation) -> Result<Reply> {
                Ok(match op {
                    $( $( Operation::$op(i) => from_the_table!(@signed [$($flag)*] $op, self, c, i $(, $output)?), )* )*
                })
            }

            /// The handler of an operation called without a signature: only the rows marked
            /// unsigned have one.
            pub(crate) async fn dispatch_unsigned(&self, op: Operation, env: &RequestEnv) -> Result<Reply> {
                match op {
                    $( $( Operation::$op(i) => from_the_table!(@unsigned [$($flag)*] self, env, i $(, $output)?), )* )*
                }
            }
        }

        /// What an operation needs to be authorized (unsigned operations: nothing a policy
        /// of the caller decides).
        pub(crate) fn needs_of<'a>(op: &'a Operation, caller: &'a Caller) -> Option<Needs<'a>> {
            match op {
                $( $( Operation::$op(i) => from_the_table!(@needs [$($flag)*] i, caller), )* )*
            }
        }

        /// What temporary credentials may call.
        pub(crate) fn callable(op: &Operation) -> Callable {
            match op {
                $( $( Operation::$op(_) => from_the_table!(@callable [$($flag)*] $input), )* )*
            }
        }
    };
    (@signed [] $op:ident, $s:ident, $c:ident, $i:ident) => {{
        let (): () = Handler::handle($i, $s, $c).await?;
        Reply::Empty
    }};
    (@signed [] $op:ident, $s:ident, $c:ident, $i:ident, $o:ty) => {{
        let out: $o = Handler::handle($i, $s, $c).await?;
        Reply::output(out)
    }};
    (@signed [unsigned] $op:ident, $s:ident, $c:ident, $i:ident $(, $o:ty)?) => {{
        // Called with a signature: it still runs without a caller.
        return $s.dispatch_unsigned(Operation::$op($i), $c.env).await;
    }};
    (@unsigned [] $s:ident, $env:ident, $i:ident $(, $o:ty)?) => {{
        let _ = ($i, $env);
        Err(ServiceError::MissingAuthenticationToken)
    }};
    (@unsigned [unsigned] $s:ident, $env:ident, $i:ident) => {{
        let (): () = UnsignedHandler::handle($i, $s, $env).await?;
        Ok(Reply::Empty)
    }};
    (@unsigned [unsigned] $s:ident, $env:ident, $i:ident, $o:ty) => {{
        let out: $o = UnsignedHandler::handle($i, $s, $env).await?;
        Ok(Reply::output(out))
    }};
    // A REST row's HTTP binding changes nothing here.
    (@$kind:ident [http] $($tail:tt)*) => { from_the_table!(@$kind [] $($tail)*) };
    (@$kind:ident [http unsigned] $($tail:tt)*) => { from_the_table!(@$kind [unsigned] $($tail)*) };
    (@$kind:ident [unsigned http] $($tail:tt)*) => { from_the_table!(@$kind [unsigned] $($tail)*) };
    (@needs [] $i:ident, $caller:ident) => { Handler::needs($i, $caller) };
    (@needs [unsigned] $i:ident, $caller:ident) => {{
        let _ = ($i, $caller);
        None
    }};
    (@callable [] $input:ty) => { <$input as Handler>::CALLABLE };
    (@callable [unsigned] $input:ty) => { Callable::Always };
}

rolegate_proto::operations_table!(from_the_table);
