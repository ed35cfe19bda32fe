terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
variable "endpoint" { type = string }
variable "access_key" { type = string }
variable "secret_key" {
  type      = string
  sensitive = true
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = false
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}
data "aws_caller_identity" "me" {}
resource "aws_iam_user" "bob" {
  name = "bob"
  path = "/people/"
  tags = { team = "blue" }
}
resource "aws_iam_access_key" "bob" { user = aws_iam_user.bob.name }
resource "aws_iam_group" "devs" { name = "devs" }
resource "aws_iam_group_membership" "devs" {
  name  = "devs"
  group = aws_iam_group.devs.name
  users = [aws_iam_user.bob.name]
}
resource "aws_iam_policy" "assume" {
  name   = "assume-roles"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "*" }] })
  tags   = { owner = "platform" }
}
resource "aws_iam_user_policy_attachment" "bob" {
  user       = aws_iam_user.bob.name
  policy_arn = aws_iam_policy.assume.arn
}
resource "aws_iam_role" "reader" {
  name                 = "s3-reader"
  description          = "reads buckets"
  max_session_duration = 7200
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { AWS = aws_iam_user.bob.arn }, Action = "sts:AssumeRole" }] })
  tags = { env = "test" }
}
resource "aws_iam_role_policy_attachment" "reader" {
  role       = aws_iam_role.reader.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}
resource "aws_iam_role_policy" "inline" {
  name   = "inline"
  role   = aws_iam_role.reader.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = "arn:aws:s3:::data" }] })
}
resource "aws_iam_instance_profile" "reader" {
  name = "s3-reader"
  role = aws_iam_role.reader.name
}
resource "aws_iam_openid_connect_provider" "ci" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags            = { purpose = "ci" }
}
resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect    = "Allow",
    Principal = { Federated = aws_iam_openid_connect_provider.ci.arn },
    Action    = "sts:AssumeRoleWithWebIdentity",
    Condition = { StringEquals = {
      "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub" = "repo:acme/app:ref:refs/heads/main"
    } }
  }] })
}
resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = 14
  require_lowercase_characters   = true
  require_numbers                = true
  require_uppercase_characters   = true
  require_symbols                = true
  allow_users_to_change_password = true
  max_password_age               = 90
  password_reuse_prevention      = 5
}
resource "aws_iam_account_alias" "alias" {
  account_alias = "rolegate-tf-test"
}
resource "aws_iam_user_login_profile" "bob" {
  user                    = aws_iam_user.bob.name
  password_length         = 20
  password_reset_required = true
  depends_on              = [aws_iam_account_password_policy.strict]
}
output "account" { value = data.aws_caller_identity.me.account_id }
