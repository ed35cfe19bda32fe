# Issue 17, item 3: a user's SSH public key and signing certificate, and a server certificate
# with a chain and tags. The keys and certificates are made by the test (files beside this one).
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
resource "aws_iam_user" "git" {
  name = "git-user"
}
resource "aws_iam_user_ssh_key" "git" {
  username   = aws_iam_user.git.name
  encoding   = "SSH"
  public_key = file("${path.module}/id_rsa.pub")
  status     = "Active"
}
resource "aws_iam_signing_certificate" "git" {
  user_name        = aws_iam_user.git.name
  certificate_body = file("${path.module}/signing.pem")
}
resource "aws_iam_server_certificate" "web" {
  name              = "web-cert"
  path              = "/cdn/"
  certificate_body  = file("${path.module}/server.pem")
  certificate_chain = file("${path.module}/ca.pem")
  private_key       = file("${path.module}/server-key.pem")
  tags              = { team = "edge" }
}
