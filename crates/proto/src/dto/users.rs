//! Users: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html> and siblings.

use crate::{
    dto::{
        c::*,
        shapes::{Tag, User},
    },
    shape, structure,
};

structure!(CreateUserInput {
    path: Option<String> = "Path" [LEN_1_512, PATH],
    user_name: String = "UserName" [LEN_1_64, NAME],
    permissions_boundary: Option<String> = "PermissionsBoundary" [LEN_ARN, ARN],
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(CreateUserOutput {
    user: User = "User"
});

structure!(GetUserInput { user_name: Option<String> = "UserName" [LEN_1_128, NAME] });
shape!(GetUserOutput {
    user: User = "User"
});

structure!(UpdateUserInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    new_path: Option<String> = "NewPath" [LEN_1_512, PATH],
    new_user_name: Option<String> = "NewUserName" [LEN_1_64, NAME],
});

structure!(DeleteUserInput { user_name: String = "UserName" [LEN_1_128, NAME] });

structure!(ListUsersInput {
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListUsersOutput { users: Vec<User> = "Users", is_truncated: bool = "IsTruncated", marker: Option<String> = "Marker" });

structure!(TagUserInput { user_name: String = "UserName" [LEN_1_128, NAME], tags: Vec<Tag> = "Tags" [TAGS] });
structure!(UntagUserInput { user_name: String = "UserName" [LEN_1_128, NAME], tag_keys: Vec<String> = "TagKeys" [TAGS] });
structure!(ListUserTagsInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListTagsOutput { tags: Vec<Tag> = "Tags", is_truncated: bool = "IsTruncated", marker: Option<String> = "Marker" });

structure!(PutUserPermissionsBoundaryInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    permissions_boundary: String = "PermissionsBoundary" [LEN_ARN, ARN],
});
structure!(DeleteUserPermissionsBoundaryInput { user_name: String = "UserName" [LEN_1_128, NAME] });
