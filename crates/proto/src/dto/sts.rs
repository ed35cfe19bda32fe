//! STS: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>.

use crate::{shape, structure};

structure!(GetCallerIdentityInput {});
shape!(GetCallerIdentityOutput {
    user_id: String = "UserId",
    account: String = "Account",
    arn: String = "Arn"
});
