//! Groups and membership: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateGroup.html> and siblings.

use crate::{
    dto::{
        c::*,
        shapes::{Group, User},
    },
    shape, structure,
};

structure!(CreateGroupInput {
    path: Option<String> = "Path" [LEN_1_512, PATH],
    group_name: String = "GroupName" [LEN_1_128, NAME],
});
shape!(CreateGroupOutput {
    group: Group = "Group"
});

structure!(GetGroupInput {
    group_name: String = "GroupName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(GetGroupOutput {
    group: Group = "Group",
    users: Vec<User> = "Users",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(UpdateGroupInput {
    group_name: String = "GroupName" [LEN_1_128, NAME],
    new_path: Option<String> = "NewPath" [LEN_1_512, PATH],
    new_group_name: Option<String> = "NewGroupName" [LEN_1_128, NAME],
});
structure!(DeleteGroupInput { group_name: String = "GroupName" [LEN_1_128, NAME] });

structure!(ListGroupsInput {
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListGroupsOutput { groups: Vec<Group> = "Groups", is_truncated: bool = "IsTruncated", marker: Option<String> = "Marker" });

structure!(AddUserToGroupInput { group_name: String = "GroupName" [LEN_1_128, NAME], user_name: String = "UserName" [LEN_1_64, NAME] });
structure!(RemoveUserFromGroupInput { group_name: String = "GroupName" [LEN_1_128, NAME], user_name: String = "UserName" [LEN_1_64, NAME] });
structure!(ListGroupsForUserInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
