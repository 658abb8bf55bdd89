-- ATH007 admin-policy-attached: Attach{User,Role,Group}Policy of the AWS managed
-- AdministratorAccess or IAMFullAccess (HIGH) or PowerUserAccess (MEDIUM); failed calls LOW.
SELECT eventid, eventtime, eventname, awsregion, sourceipaddress,
       useridentity.arn AS principal,
       json_extract_scalar(requestparameters, '$.policyArn') AS policy_arn,
       COALESCE(json_extract_scalar(requestparameters, '$.userName'),
                json_extract_scalar(requestparameters, '$.roleName'),
                json_extract_scalar(requestparameters, '$.groupName')) AS target,
       CASE WHEN COALESCE(errorcode, '') <> '' THEN 'LOW'
            WHEN regexp_like(json_extract_scalar(requestparameters, '$.policyArn'),
                             ':iam::aws:policy/PowerUserAccess$') THEN 'MEDIUM'
            ELSE 'HIGH' END AS severity
FROM {table}
WHERE eventname IN ('AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy')
  AND regexp_like(json_extract_scalar(requestparameters, '$.policyArn'),
                  '^arn:[^:]*:iam::aws:policy/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$')
  {time_filter}
ORDER BY eventtime
