-- ATH003 console-login-no-mfa: successful console sign-ins of IAM users and root without MFA;
-- federated/SSO sign-ins (SamlProviderArn set) are excluded, as in the local engine.
SELECT eventid, eventtime, awsregion, sourceipaddress, useridentity.type AS user_type,
       useridentity.arn AS principal
FROM {table}
WHERE eventname = 'ConsoleLogin'
  AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
  AND json_extract_scalar(additionaleventdata, '$.MFAUsed') = 'No'
  AND json_extract_scalar(additionaleventdata, '$.SamlProviderArn') IS NULL
  AND useridentity.type IN ('IAMUser', 'Root')
  {time_filter}
ORDER BY eventtime
