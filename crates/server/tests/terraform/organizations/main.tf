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
    iam           = var.endpoint
    sts           = var.endpoint
    organizations = var.endpoint
  }
}
resource "aws_organizations_organization" "org" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}
resource "aws_organizations_organizational_unit" "eng" {
  name      = "eng"
  parent_id = aws_organizations_organization.org.roots[0].id
  tags      = { tier = "prod" }
}
resource "aws_organizations_account" "alpha" {
  name              = "alpha"
  email             = "alpha@example.com"
  parent_id         = aws_organizations_organizational_unit.eng.id
  close_on_deletion = false
  tags              = { team = "red" }
}
resource "aws_organizations_policy" "no_users" {
  depends_on = [aws_organizations_organization.org]
  name    = "no-users"
  content = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Action = "iam:CreateUser", Resource = "*" }] })
}
resource "aws_organizations_policy_attachment" "eng" {
  policy_id = aws_organizations_policy.no_users.id
  target_id = aws_organizations_organizational_unit.eng.id
}
