//! Virtual MFA devices and TOTP codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps).
//!
//! A code is accepted once: the device remembers the last time step it accepted and refuses
//! that step and every earlier one, so a code cannot be replayed inside its window. Every
//! check of a code (sign-in codes for GetSessionToken and AssumeRole, the two codes of
//! EnableMFADevice and ResyncMFADevice) goes through the device's [`throttle`], and every
//! refusal is logged (who, which device, from where; never the code).
//!
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateVirtualMFADevice.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html>

use rolegate_proto::{Secret, dto::mfa_devices::*, types::Blob};
use rolegate_store::record;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use super::Tagged as _;
use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{
        Ctx, arn, key_of, merge_tags, not_found, path_or_root, tags_if_any, ts, users::user_shape,
    },
    ids,
    tx::Tx,
};

use crate::handler::{NamedResource, Needs, handlers};
use crate::throttle;

handlers! {
    CreateVirtualMFADeviceInput => CreateVirtualMFADeviceOutput: create_virtual_mfa_device,
        needs |i, _| Needs::on(NamedResource::NewDevice(&i.virtual_mfa_device_name, i.path.as_deref().unwrap_or("/"))).tags(&i.tags);
    ListMFADevicesInput => ListMFADevicesOutput: list_mfa_devices,
        needs |i, _| Needs::user(i.user_name.as_deref());
    ListVirtualMFADevicesInput => ListVirtualMFADevicesOutput: list_virtual_mfa_devices,
        needs |i, _| Needs::list("mfa", None);
    GetMFADeviceInput => GetMFADeviceOutput: get_mfa_device,
        needs |i, _| Needs::user(i.user_name.as_deref());
    TagMFADeviceInput: tag_mfa_device,
        needs |i, _| Needs::on(NamedResource::Device(&i.serial_number)).tags(&i.tags);
    UntagMFADeviceInput: untag_mfa_device,
        needs |i, _| Needs::on(NamedResource::Device(&i.serial_number)).untags(&i.tag_keys);
    ListMFADeviceTagsInput => rolegate_proto::dto::users::ListTagsOutput: list_mfa_device_tags,
        needs |i, _| Needs::on(NamedResource::Device(&i.serial_number));
    EnableMFADeviceInput: enable_mfa_device,
        needs |i, _| Needs::user(Some(&i.user_name));
    ResyncMFADeviceInput: resync_mfa_device,
        needs |i, _| Needs::user(Some(&i.user_name));
    DeactivateMFADeviceInput: deactivate_mfa_device,
        needs |i, _| Needs::user(i.user_name.as_deref());
    DeleteVirtualMFADeviceInput: delete_virtual_mfa_device,
        needs |i, _| Needs::on(NamedResource::Device(&i.serial_number));
}

/// TOTP time step, seconds.
pub const STEP: i64 = 30;
/// Steps either side of now accepted for a sign-in code (clock drift).
const DRIFT_STEPS: i64 = 1;
/// How far back EnableMFADevice and ResyncMFADevice look for two consecutive codes.
const SYNC_WINDOW_STEPS: i64 = 10;
/// MFA devices per user.
const MAX_DEVICES_PER_USER: usize = 8;

impl super::Tagged for record::MfaDevice {
    const WHAT: &'static str = "MFA device";
    const TAG_RULES: super::TagRules = super::TagRules {
        case_insensitive_keys: false,
        quota: "TagsPerMFADevice",
    };
    fn tags(&mut self) -> &mut Vec<record::Tag> {
        &mut self.tags
    }
}

fn totp(seed_base32: &str) -> Result<TOTP> {
    let secret = data_encoding::BASE32_NOPAD
        .decode(seed_base32.as_bytes())
        .map_err(|_| ServiceError::Internal("MFA seed is not base32".into()))?;
    Ok(TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, secret))
}

/// The code of one time step.
pub fn code_at(seed_base32: &str, step: i64) -> Result<String> {
    let t = u64::try_from(step * STEP)
        .map_err(|_| ServiceError::Internal("time before 1970".into()))?;
    Ok(totp(seed_base32)?.generate(t))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The serial number (ARN) of a virtual device.
pub fn serial_of(account: &str, d: &record::MfaDevice) -> String {
    arn(account, "mfa", &d.path, &d.name)
}

/// The store key of the device a serial number names in `account`, if it names one there.
pub(crate) fn device_key(account: &str, serial: &str) -> Option<String> {
    crate::iam::parse_arn(serial)
        .filter(|a| a.account == account)
        .and_then(|a| a.iam("mfa"))
        .map(|d| key_of(d.name))
}

/// The device a serial number names in `account`, read inside a transaction, with its key.
async fn read_device(
    tx: &mut Tx<'_>,
    account: &str,
    serial: &str,
) -> Result<Option<(String, record::MfaDevice)>> {
    let Some(key) = device_key(account, serial) else {
        return Ok(None);
    };
    Ok(tx
        .get::<record::MfaDevice>(account, &key)
        .await?
        .filter(|d| serial_of(account, d) == serial)
        .map(|d| (key, d)))
}

fn qr_png(uri: &str) -> Result<Vec<u8>> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(uri, QrCodeEcc::Medium)
        .map_err(|_| ServiceError::Internal("QR code too long".into()))?;
    const SCALE: i32 = 6;
    const BORDER: i32 = 4;
    let modules = qr.size() + 2 * BORDER;
    let side =
        u32::try_from(modules * SCALE).map_err(|_| ServiceError::Internal("QR size".into()))?;
    // The image encodes the seed: wiped once encoded.
    let mut pixels = zeroize::Zeroizing::new(Vec::with_capacity(
        usize::try_from(side * side).unwrap_or(0),
    ));
    for y in 0..modules * SCALE {
        for x in 0..modules * SCALE {
            let dark = qr.get_module(x / SCALE - BORDER, y / SCALE - BORDER);
            pixels.push(if dark { 0u8 } else { 255u8 });
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| ServiceError::Internal(format!("png: {e}")))?;
        w.write_image_data(&pixels)
            .map_err(|e| ServiceError::Internal(format!("png: {e}")))?;
    }
    Ok(out)
}

impl Service {
    pub(crate) async fn create_virtual_mfa_device(
        &self,
        c: &Ctx<'_>,
        i: CreateVirtualMFADeviceInput,
    ) -> Result<CreateVirtualMFADeviceOutput> {
        let account = c.account();
        let mut seed = zeroize::Zeroizing::new([0u8; 40]);
        ids::random_bytes(seed.as_mut())?;
        let mut tags = Vec::new();
        merge_tags(record::MfaDevice::TAG_RULES, &mut tags, &i.tags)?;
        let device = record::MfaDevice {
            name: i.virtual_mfa_device_name.clone(),
            path: path_or_root(i.path.clone()),
            created: self.now(),
            seed: rolegate_store::Secret::new(data_encoding::BASE32_NOPAD.encode(seed.as_ref())),
            user: None,
            last_step: 0,
            tags,
            failures: 0,
            failed_at: 0,
            locked_until: 0,
        };
        self.retry(|| async {
            let mut tx = self.tx();
            if tx
                .get::<record::MfaDevice>(account, &key_of(&device.name))
                .await?
                .is_some()
            {
                return Err(ServiceError::EntityAlreadyExists(
                    "MFADevice entity at the same path and name already exists.".into(),
                ));
            }
            tx.put(account, &key_of(&device.name), &device)?;
            tx.commit().await
        })
        .await?;
        let label = match &c.caller.identity {
            crate::Identity::User { name, .. } => name.clone(),
            _ => account.to_owned(),
        };
        let uri = zeroize::Zeroizing::new(format!(
            "otpauth://totp/{}@{label}?secret={}",
            device.name,
            device.seed.expose()
        ));
        Ok(CreateVirtualMFADeviceOutput {
            virtual_mfa_device: VirtualMfaDevice {
                serial_number: serial_of(account, &device),
                base32_string_seed: Some(Secret::new(Blob(
                    device.seed.expose().as_bytes().to_vec(),
                ))),
                qr_code_png: Some(Secret::new(Blob(qr_png(&uri)?))),
                user: None,
                enable_date: None,
                tags: tags_if_any(&device.tags),
            },
        })
    }

    pub(crate) async fn enable_mfa_device(
        &self,
        c: &Ctx<'_>,
        i: EnableMFADeviceInput,
    ) -> Result<()> {
        let account = c.account();
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut user = tx
                .get::<record::User>(account, &key_of(&i.user_name))
                .await?
                .ok_or_else(|| not_found("user", &i.user_name))?;
            let (key, mut device) = read_device(&mut tx, account, &i.serial_number)
                .await?
                .ok_or_else(|| no_device(&i.serial_number))?;
            if device.user.is_some() {
                return Err(ServiceError::EntityAlreadyExists(
                    "MFA device is already in use.".into(),
                ));
            }
            if user.mfa_devices.len() >= MAX_DEVICES_PER_USER {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for MFADevicesPerUser: {MAX_DEVICES_PER_USER}"
                )));
            }
            let step = match two_codes(
                &device,
                now,
                i.authentication_code1.expose(),
                i.authentication_code2.expose(),
            )? {
                Some(step) => step,
                None => return refuse_two_codes(c, tx, &key, device, now).await,
            };
            throttle::succeeded(&mut device);
            device.user = Some(record::MfaUser {
                name: user.name.clone(),
                id: user.id.clone(),
                enabled: self.now(),
            });
            device.last_step = step + 1;
            user.mfa_devices.push(i.serial_number.clone());
            tx.put(account, &key, &device)?;
            tx.put(account, &key_of(&user.name), &user)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn resync_mfa_device(
        &self,
        c: &Ctx<'_>,
        i: ResyncMFADeviceInput,
    ) -> Result<()> {
        let account = c.account();
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, mut device) = read_device(&mut tx, account, &i.serial_number)
                .await?
                .filter(|(_, d)| {
                    d.user
                        .as_ref()
                        .is_some_and(|u| u.name.eq_ignore_ascii_case(&i.user_name))
                })
                .ok_or_else(|| no_device(&i.serial_number))?;
            let step = match two_codes(
                &device,
                now,
                i.authentication_code1.expose(),
                i.authentication_code2.expose(),
            )? {
                Some(step) => step,
                None => return refuse_two_codes(c, tx, &key, device, now).await,
            };
            throttle::succeeded(&mut device);
            device.last_step = step + 1;
            tx.put(account, &key, &device)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn deactivate_mfa_device(
        &self,
        c: &Ctx<'_>,
        i: DeactivateMFADeviceInput,
    ) -> Result<()> {
        let account = c.account();
        let user_name = self
            .user_name_or_caller(c, i.user_name.as_deref())?
            .ok_or_else(|| no_device(&i.serial_number))?;
        self.retry(|| async {
            let mut tx = self.tx();
            let mut user = tx
                .get::<record::User>(account, &key_of(&user_name))
                .await?
                .ok_or_else(|| not_found("user", &user_name))?;
            let (key, mut device) = read_device(&mut tx, account, &i.serial_number)
                .await?
                .filter(|(_, d)| d.user.as_ref().is_some_and(|u| u.id == user.id))
                .ok_or_else(|| no_device(&i.serial_number))?;
            device.user = None;
            user.mfa_devices.retain(|s| *s != i.serial_number);
            tx.put(account, &key, &device)?;
            tx.put(account, &key_of(&user.name), &user)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn delete_virtual_mfa_device(
        &self,
        c: &Ctx<'_>,
        i: DeleteVirtualMFADeviceInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, device) = read_device(&mut tx, account, &i.serial_number)
                .await?
                .ok_or_else(|| no_device(&i.serial_number))?;
            if device.user.is_some() {
                return Err(ServiceError::DeleteConflict(
                    "MFA device is in use; deactivate it first.".into(),
                ));
            }
            tx.delete::<record::MfaDevice>(account, &key)?;
            tx.commit().await
        })
        .await
    }

    /// The name of the virtual MFA device `serial` names exactly (its path included).
    async fn device_named(&self, account: &str, serial: &str) -> Result<String> {
        read_device(&mut self.tx(), account, serial)
            .await?
            .map(|(_, d)| d.name)
            .ok_or_else(|| {
                ServiceError::NoSuchEntity(format!(
                    "MFA device with serial number {serial} not found."
                ))
            })
    }

    pub(crate) async fn tag_mfa_device(&self, c: &Ctx<'_>, i: TagMFADeviceInput) -> Result<()> {
        let name = self.device_named(c.account(), &i.serial_number).await?;
        self.tag::<record::MfaDevice>(c.account(), &name, &i.tags)
            .await
    }

    pub(crate) async fn untag_mfa_device(&self, c: &Ctx<'_>, i: UntagMFADeviceInput) -> Result<()> {
        let name = self.device_named(c.account(), &i.serial_number).await?;
        self.untag::<record::MfaDevice>(c.account(), &name, &i.tag_keys)
            .await
    }

    pub(crate) async fn list_mfa_device_tags(
        &self,
        c: &Ctx<'_>,
        i: ListMFADeviceTagsInput,
    ) -> Result<rolegate_proto::dto::users::ListTagsOutput> {
        let name = self.device_named(c.account(), &i.serial_number).await?;
        self.list_tags::<record::MfaDevice>(c.account(), &name, i.marker.as_deref(), i.max_items)
            .await
    }

    /// One MFA device of a user (the named one, or the caller): NoSuchEntity unless it is
    /// enabled for that user.
    /// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetMFADevice.html>
    pub(crate) async fn get_mfa_device(
        &self,
        c: &Ctx<'_>,
        i: GetMFADeviceInput,
    ) -> Result<GetMFADeviceOutput> {
        let account = c.account();
        let not_found = || {
            ServiceError::NoSuchEntity(format!(
                "MFA device with serial number {} not found.",
                i.serial_number
            ))
        };
        let Some(user_name) = self.user_name_or_caller(c, i.user_name.as_deref())? else {
            return Err(not_found());
        };
        let mut tx = self.tx();
        let user = tx
            .get::<record::User>(account, &key_of(&user_name))
            .await?
            .ok_or_else(|| crate::iam::not_found("user", &user_name))?;
        let (_, device) = read_device(&mut tx, account, &i.serial_number)
            .await?
            .ok_or_else(not_found)?;
        let enabled = device
            .user
            .as_ref()
            .filter(|u| u.id == user.id)
            .ok_or_else(not_found)?;
        Ok(GetMFADeviceOutput {
            user_name: Some(user.name),
            serial_number: serial_of(account, &device),
            enable_date: ts(enabled.enabled),
        })
    }

    pub(crate) async fn list_mfa_devices(
        &self,
        c: &Ctx<'_>,
        i: ListMFADevicesInput,
    ) -> Result<ListMFADevicesOutput> {
        let account = c.account();
        let Some(user_name) = self.user_name_or_caller(c, i.user_name.as_deref())? else {
            return Ok(ListMFADevicesOutput::default());
        };
        let user = self
            .cache
            .get::<record::User>(&*self.store, account, &key_of(&user_name))
            .await?
            .ok_or_else(|| not_found("user", &user_name))?;
        let mut devices = Vec::new();
        for serial in &user.mfa_devices {
            let Some(key) = device_key(account, serial) else {
                continue;
            };
            if let Some(d) = self
                .cache
                .get::<record::MfaDevice>(&*self.store, account, &key)
                .await?
            {
                devices.push(MfaDevice {
                    user_name: user.name.clone(),
                    serial_number: serial.clone(),
                    enable_date: d.user.as_ref().and_then(|u| ts(u.enabled)),
                });
            }
        }
        let page = super::paginate(
            devices,
            |d| d.serial_number.clone(),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListMFADevicesOutput {
            mfa_devices: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn list_virtual_mfa_devices(
        &self,
        c: &Ctx<'_>,
        i: ListVirtualMFADevicesInput,
    ) -> Result<ListVirtualMFADevicesOutput> {
        let account = c.account();
        let status = i.assignment_status.clone().unwrap_or_else(|| "Any".into());
        let page = self
            .list_records::<record::MfaDevice>(account, i.marker.as_deref(), i.max_items, |d| {
                match status.as_str() {
                    "Assigned" => d.user.is_some(),
                    "Unassigned" => d.user.is_none(),
                    _ => true,
                }
            })
            .await?;
        let mut out = Vec::new();
        for d in page.items {
            let user = match &d.user {
                Some(u) => self
                    .cache
                    .get::<record::User>(&*self.store, account, &key_of(&u.name))
                    .await?
                    .map(|r| user_shape(account, &r, false)),
                None => None,
            };
            out.push(VirtualMfaDevice {
                serial_number: serial_of(account, &d),
                base32_string_seed: None,
                qr_code_png: None,
                user,
                enable_date: d.user.as_ref().and_then(|u| ts(u.enabled)),
                tags: tags_if_any(&d.tags),
            });
        }
        Ok(ListVirtualMFADevicesOutput {
            virtual_mfa_devices: out,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    /// Verifies a sign-in code for the MFA device `serial` of the calling user `user_id` and
    /// consumes its time step. `Ok(Some(now))` when it verifies; `Ok(None)` when it does not
    /// (wrong serial, device not the user's, device locked by the throttle, wrong or replayed
    /// code). A wrong or replayed code counts against the device (one write); a refusal
    /// while locked writes nothing.
    pub(crate) async fn verify_mfa_code(
        &self,
        c: &Ctx<'_>,
        user_id: &str,
        serial: &str,
        code: &str,
    ) -> Result<Option<i64>> {
        let account = c.account();
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let Some((key, mut device)) = read_device(&mut tx, account, serial)
                .await?
                .filter(|(_, d)| d.user.as_ref().is_some_and(|u| u.id == user_id))
            else {
                log_refusal(c, serial, Refusal::NotTheCallersDevice);
                return Ok(None);
            };
            if throttle::locked(&device, now) {
                log_refusal(c, serial, Refusal::Locked(&device));
                return Ok(None);
            }
            let Some(step) = sign_in_step(&device, now, code)? else {
                let lockout = throttle::failed(&mut device, now);
                tx.put(account, &key, &device)?;
                tx.commit().await?;
                log_refusal(c, serial, Refusal::WrongCode(&device, lockout));
                return Ok(None);
            };
            device.last_step = step;
            throttle::succeeded(&mut device);
            tx.put(account, &key, &device)?;
            tx.commit().await?;
            Ok(Some(now))
        })
        .await
    }
}

/// The time step of a sign-in code: one within [`DRIFT_STEPS`] of now and later than the
/// last step the device accepted.
fn sign_in_step(device: &record::MfaDevice, now: i64, code: &str) -> Result<Option<i64>> {
    let now_step = now / STEP;
    let mut accepted = None;
    for step in now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS {
        if step > device.last_step && same(&code_at(device.seed.expose(), step)?, code) {
            accepted = Some(step);
        }
    }
    Ok(accepted)
}

/// The step of `code1` for EnableMFADevice and ResyncMFADevice, unless the device is locked
/// (then the codes are not looked at) or the codes are not two consecutive recent ones.
fn two_codes(
    device: &record::MfaDevice,
    now: i64,
    code1: &str,
    code2: &str,
) -> Result<Option<i64>> {
    if throttle::locked(device, now) {
        return Ok(None);
    }
    consecutive(
        device.seed.expose(),
        now / STEP,
        device.last_step,
        code1,
        code2,
    )
}

/// Refuses the two codes [`two_codes`] did not accept: a device that is not locked counts the
/// failure first (one write); a locked one writes nothing.
async fn refuse_two_codes(
    c: &Ctx<'_>,
    mut tx: Tx<'_>,
    key: &str,
    mut device: record::MfaDevice,
    now: i64,
) -> Result<()> {
    let serial = serial_of(c.account(), &device);
    if throttle::locked(&device, now) {
        log_refusal(c, &serial, Refusal::Locked(&device));
    } else {
        let lockout = throttle::failed(&mut device, now);
        tx.put(c.account(), key, &device)?;
        tx.commit().await?;
        log_refusal(c, &serial, Refusal::WrongCode(&device, lockout));
    }
    Err(invalid_codes())
}

/// Why a code check was refused.
enum Refusal<'a> {
    /// The serial names no device of the calling user (nothing is counted: only a device's
    /// own user can make checks that count against it).
    NotTheCallersDevice,
    /// The device is locked; the code was not looked at.
    Locked(&'a record::MfaDevice),
    /// A wrong or replayed code, counted; the lockout it started, seconds.
    WrongCode(&'a record::MfaDevice, Option<i64>),
}

/// Logs a refused code check at warn: the caller, the device, the source address, and the
/// throttle's state. Never the code.
fn log_refusal(c: &Ctx<'_>, serial: &str, why: Refusal<'_>) {
    let principal = c.caller.arn();
    let source_ip = c
        .env
        .source_ip
        .map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    let request_id = &c.env.request_id;
    match why {
        Refusal::NotTheCallersDevice => tracing::warn!(
            request_id, %principal, serial, %source_ip,
            "MFA code refused: no such device of the caller"
        ),
        Refusal::Locked(d) => tracing::warn!(
            request_id, %principal, serial, %source_ip,
            failures = d.failures, locked_until = d.locked_until,
            "MFA code refused: device locked by repeated failures, code not checked"
        ),
        Refusal::WrongCode(d, None) => tracing::warn!(
            request_id, %principal, serial, %source_ip, failures = d.failures,
            "MFA code refused: wrong or reused code"
        ),
        Refusal::WrongCode(d, Some(seconds)) => tracing::warn!(
            request_id, %principal, serial, %source_ip, failures = d.failures,
            lockout_seconds = seconds,
            "MFA code refused: wrong or reused code; device locked"
        ),
    }
}

/// The step of `code1` when `code1`, `code2` are the codes of two consecutive steps recently,
/// both later than `after` (the last step the device accepted: codes are never reused).
fn consecutive(
    seed: &str,
    now_step: i64,
    after: i64,
    code1: &str,
    code2: &str,
) -> Result<Option<i64>> {
    let first = (now_step - SYNC_WINDOW_STEPS).max(after.saturating_add(1));
    for step in (first..=now_step).rev() {
        if same(&code_at(seed, step)?, code1) && same(&code_at(seed, step + 1)?, code2) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

fn no_device(serial: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!(
        "VirtualMFADevice with serial number {serial} doesn't exist."
    ))
}

fn invalid_codes() -> ServiceError {
    ServiceError::InvalidAuthenticationCode("Authentication code for device is not valid.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 seed "12345678901234567890", truncated to 6 digits.
        let seed = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(&seed, t / STEP).expect("code"), code, "t={t}");
        }
    }

    #[test]
    fn consecutive_codes_find_their_step() {
        let seed = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        let now = 1_000_000;
        let a = code_at(&seed, now - 3).expect("a");
        let b = code_at(&seed, now - 2).expect("b");
        assert_eq!(
            consecutive(&seed, now, 0, &a, &b).expect("ok"),
            Some(now - 3)
        );
        assert_eq!(consecutive(&seed, now, 0, &b, &a).expect("ok"), None);
        assert_eq!(
            consecutive(&seed, now, now - 3, &a, &b).expect("ok"),
            None,
            "a step already accepted is never accepted again"
        );
    }

    #[test]
    fn qr_is_a_png() {
        let png = qr_png("otpauth://totp/x@y?secret=ABC").expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
