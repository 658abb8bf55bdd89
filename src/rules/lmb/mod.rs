pub mod function_url_auth_none;
pub mod public_invoke_permission;
