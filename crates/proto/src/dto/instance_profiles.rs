//! Instance profiles: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html> and siblings.

use crate::{
    dto::{
        c::*,
        shapes::{InstanceProfile, Tag},
    },
    shape, structure,
};

structure!(CreateInstanceProfileInput {
    instance_profile_name: String = "InstanceProfileName" [LEN_1_128, NAME],
    path: Option<String> = "Path" [LEN_1_512, PATH],
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(InstanceProfileOutput {
    instance_profile: InstanceProfile = "InstanceProfile"
});

structure!(GetInstanceProfileInput { instance_profile_name: String = "InstanceProfileName" [LEN_1_128, NAME] });
structure!(DeleteInstanceProfileInput { instance_profile_name: String = "InstanceProfileName" [LEN_1_128, NAME] });

structure!(ListInstanceProfilesInput {
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
structure!(ListInstanceProfilesForRoleInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListInstanceProfilesOutput {
    instance_profiles: Vec<InstanceProfile> = "InstanceProfiles",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(AddRoleToInstanceProfileInput {
    instance_profile_name: String = "InstanceProfileName" [LEN_1_128, NAME],
    role_name: String = "RoleName" [LEN_1_64, NAME],
});
structure!(RemoveRoleFromInstanceProfileInput {
    instance_profile_name: String = "InstanceProfileName" [LEN_1_128, NAME],
    role_name: String = "RoleName" [LEN_1_64, NAME],
});

structure!(TagInstanceProfileInput { instance_profile_name: String = "InstanceProfileName" [LEN_1_128, NAME], tags: Vec<Tag> = "Tags" [TAGS] });
structure!(UntagInstanceProfileInput {
    instance_profile_name: String = "InstanceProfileName" [LEN_1_128, NAME],
    tag_keys: Vec<String> = "TagKeys" [TAGS],
});
structure!(ListInstanceProfileTagsInput {
    instance_profile_name: String = "InstanceProfileName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
