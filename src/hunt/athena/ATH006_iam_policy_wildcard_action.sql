-- ATH006 iam-policy-wildcard-action: CreatePolicy/CreatePolicyVersion/Put{User,Role,Group}Policy
-- whose policyDocument (JSON text, URL-encoded JSON text, or an object) has an Allow (or
-- Effect-less) statement with Action "*" or "iam:*" (case-insensitive). Failed calls are LOW.
WITH ev AS (
  SELECT * FROM {table}
  WHERE eventname IN ('CreatePolicy', 'CreatePolicyVersion', 'PutUserPolicy', 'PutRolePolicy',
                      'PutGroupPolicy')
  {time_filter}
), doc AS (
  SELECT ev.*,
         COALESCE(
           TRY(json_parse(json_extract_scalar(requestparameters, '$.policyDocument'))),
           TRY(json_parse(url_decode(json_extract_scalar(requestparameters, '$.policyDocument')))),
           json_extract(requestparameters, '$.policyDocument')) AS policy
  FROM ev
), stmt AS (
  SELECT doc.*, st
  FROM doc
  CROSS JOIN UNNEST(
    CASE WHEN json_extract(policy, '$.Statement[0]') IS NOT NULL
         THEN CAST(json_extract(policy, '$.Statement') AS ARRAY(JSON))
         ELSE ARRAY[json_extract(policy, '$.Statement')] END) AS s(st)
)
SELECT DISTINCT eventid, eventtime, eventname, awsregion, sourceipaddress,
       useridentity.arn AS principal,
       COALESCE(json_extract_scalar(requestparameters, '$.userName'),
                json_extract_scalar(requestparameters, '$.roleName'),
                json_extract_scalar(requestparameters, '$.groupName'),
                json_extract_scalar(requestparameters, '$.policyName'),
                json_extract_scalar(requestparameters, '$.policyArn')) AS target,
       CASE WHEN COALESCE(errorcode, '') = '' THEN 'HIGH' ELSE 'LOW' END AS severity
FROM stmt
WHERE COALESCE(json_extract_scalar(st, '$.Effect'), '') <> 'Deny'
  AND regexp_like(json_format(json_extract(st, '$.Action')), '(?i)"(\*|iam:\*)"')
ORDER BY eventtime
