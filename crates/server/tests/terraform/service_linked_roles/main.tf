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
resource "aws_iam_service_linked_role" "beanstalk" {
  aws_service_name = "elasticbeanstalk.amazonaws.com"
  description      = "Elastic Beanstalk"
}
resource "aws_iam_service_linked_role" "autoscaling_web" {
  aws_service_name = "autoscaling.amazonaws.com"
  custom_suffix    = "web"
}
