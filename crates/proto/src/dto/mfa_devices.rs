//! Virtual MFA devices: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateVirtualMFADevice.html> and siblings.

use time::OffsetDateTime;

use crate::{
    Secret,
    constraint::{Constraint, Pattern},
    dto::{
        c::*,
        shapes::{Tag, User},
    },
    shape, structure,
    types::Blob,
};

const LEN_1_226: Constraint = Constraint::Len(1, 226);
const SERIAL: Constraint = Constraint::Pattern(Pattern::SerialNumber);
const LEN_SERIAL: Constraint = Constraint::Len(9, 256);
const CODE: Constraint = Constraint::Pattern(Pattern::Digits);
const LEN_CODE: Constraint = Constraint::Len(6, 6);
const ASSIGNMENT: Constraint = Constraint::Enum(&["Assigned", "Unassigned", "Any"]);

shape!(
    /// `VirtualMFADevice`.
    VirtualMfaDevice {
        serial_number: String = "SerialNumber",
        base32_string_seed: Option<Secret<Blob>> = "Base32StringSeed",
        qr_code_png: Option<Secret<Blob>> = "QRCodePNG",
        user: Option<User> = "User",
        enable_date: Option<OffsetDateTime> = "EnableDate",
        tags: Option<Vec<Tag>> = "Tags",
    }
);

shape!(
    /// `MFADevice`.
    MfaDevice {
        user_name: String = "UserName",
        serial_number: String = "SerialNumber",
        enable_date: Option<OffsetDateTime> = "EnableDate",
    }
);

structure!(CreateVirtualMFADeviceInput {
    path: Option<String> = "Path" [LEN_1_512, PATH],
    virtual_mfa_device_name: String = "VirtualMFADeviceName" [LEN_1_226, NAME],
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(CreateVirtualMFADeviceOutput {
    virtual_mfa_device: VirtualMfaDevice = "VirtualMFADevice"
});

structure!(EnableMFADeviceInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    serial_number: String = "SerialNumber" [LEN_SERIAL, SERIAL],
    authentication_code1: Secret = "AuthenticationCode1" [LEN_CODE, CODE],
    authentication_code2: Secret = "AuthenticationCode2" [LEN_CODE, CODE],
});
structure!(ResyncMFADeviceInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    serial_number: String = "SerialNumber" [LEN_SERIAL, SERIAL],
    authentication_code1: Secret = "AuthenticationCode1" [LEN_CODE, CODE],
    authentication_code2: Secret = "AuthenticationCode2" [LEN_CODE, CODE],
});
structure!(DeactivateMFADeviceInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    serial_number: String = "SerialNumber" [LEN_SERIAL, SERIAL],
});
structure!(DeleteVirtualMFADeviceInput { serial_number: String = "SerialNumber" [LEN_SERIAL, SERIAL] });

structure!(ListMFADevicesInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListMFADevicesOutput {
    mfa_devices: Vec<MfaDevice> = "MFADevices",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(ListVirtualMFADevicesInput {
    assignment_status: Option<String> = "AssignmentStatus" [ASSIGNMENT],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListVirtualMFADevicesOutput {
    virtual_mfa_devices: Vec<VirtualMfaDevice> = "VirtualMFADevices",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(GetMFADeviceInput {
    serial_number: String = "SerialNumber" [LEN_SERIAL, SERIAL],
    user_name: Option<String> = "UserName" [LEN_1_64, NAME],
});
shape!(GetMFADeviceOutput {
    user_name: Option<String> = "UserName",
    serial_number: String = "SerialNumber",
    enable_date: Option<OffsetDateTime> = "EnableDate",
});

structure!(TagMFADeviceInput {
    serial_number: String = "SerialNumber" [LEN_SERIAL, SERIAL],
    tags: Vec<Tag> = "Tags" [TAGS],
});
structure!(UntagMFADeviceInput {
    serial_number: String = "SerialNumber" [LEN_SERIAL, SERIAL],
    tag_keys: Vec<String> = "TagKeys" [TAGS],
});
structure!(ListMFADeviceTagsInput {
    serial_number: String = "SerialNumber" [LEN_SERIAL, SERIAL],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
