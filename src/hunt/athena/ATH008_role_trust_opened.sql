-- ATH008 role-trust-opened: CreateRole (assumeRolePolicyDocument) or UpdateAssumeRolePolicy
-- (policyDocument) whose trust policy has a statement that is not Deny, whose Action covers
-- sts:AssumeRole (IAM wildcards; no Action counts), whose Condition pins none of the
-- restricting keys, and that grants Principal "*" / {"AWS": "*"} / NotPrincipal (CRITICAL)
-- or an AWS principal of another account than recipientaccountid (HIGH). Failed calls LOW.
WITH ev AS (
  SELECT *,
         COALESCE(recipientaccountid, useridentity.accountid) AS own_account,
         json_extract_scalar(requestparameters,
           CASE WHEN eventname = 'CreateRole' THEN '$.assumeRolePolicyDocument'
                ELSE '$.policyDocument' END) AS doc_text,
         json_extract(requestparameters,
           CASE WHEN eventname = 'CreateRole' THEN '$.assumeRolePolicyDocument'
                ELSE '$.policyDocument' END) AS doc_json
  FROM {table}
  WHERE eventsource = 'iam.amazonaws.com'
    AND eventname IN ('CreateRole', 'UpdateAssumeRolePolicy')
    {time_filter}
), doc AS (
  SELECT ev.*,
         COALESCE(TRY(json_parse(doc_text)), TRY(json_parse(url_decode(doc_text))),
                  doc_json) AS policy
  FROM ev
), stmt AS (
  SELECT doc.*, st,
         CASE WHEN json_extract(st, '$.Action') IS NULL THEN ARRAY['*']
              ELSE COALESCE(TRY(CAST(json_extract(st, '$.Action') AS ARRAY(VARCHAR))),
                            ARRAY[json_extract_scalar(st, '$.Action')]) END AS actions,
         json_format(json_extract(st, '$.Principal.AWS')) AS aws_principals
  FROM doc
  CROSS JOIN UNNEST(
    CASE WHEN json_extract(policy, '$.Statement[0]') IS NOT NULL
         THEN CAST(json_extract(policy, '$.Statement') AS ARRAY(JSON))
         ELSE ARRAY[json_extract(policy, '$.Statement')] END) AS s(st)
), opened AS (
  SELECT stmt.*,
         (json_extract(st, '$.NotPrincipal') IS NOT NULL
          OR json_extract_scalar(st, '$.Principal') = '*'
          OR regexp_like(aws_principals, '(^|\[|,)"\*"(,|\]|$)')) AS to_anyone,
         (own_account IS NOT NULL
          AND regexp_like(
                regexp_replace(aws_principals,
                  '"(arn:[^:"]*:[^:"]*:[^:"]*:)?' || own_account || '[:"]', ''),
                '"(arn:[^:"]*:[^:"]*:[^:"]*:)?[0-9]{12}[:"]')) AS to_other_account
  FROM stmt
  WHERE COALESCE(json_extract_scalar(st, '$.Effect'), '') <> 'Deny'
    AND any_match(actions, a -> regexp_like('sts:assumerole',
          '^' || replace(replace(lower(a), '*', '.*'), '?', '.') || '$'))
    AND NOT COALESCE(regexp_like(json_format(json_extract(st, '$.Condition')),
          '(?i)"(sts:ExternalId|aws:PrincipalOrgID|aws:PrincipalOrgPaths|aws:PrincipalAccount|aws:PrincipalArn|aws:SourceAccount|aws:SourceArn|aws:SourceOrgID|aws:SourceIp|aws:SourceVpce|aws:SourceVpc)":(true|false|-?[0-9]|"([^*"]|\*[^"])|\[("[^"]*",)*"([^*"]|\*[^"]))'),
          FALSE)
)
SELECT eventid, eventtime, eventname, awsregion, sourceipaddress,
       useridentity.arn AS principal,
       json_extract_scalar(requestparameters, '$.roleName') AS role_name,
       CASE WHEN COALESCE(errorcode, '') <> '' THEN 'LOW'
            WHEN bool_or(to_anyone) THEN 'CRITICAL' ELSE 'HIGH' END AS severity
FROM opened
WHERE to_anyone OR to_other_account
GROUP BY eventid, eventtime, eventname, awsregion, sourceipaddress, useridentity.arn,
         requestparameters, errorcode
ORDER BY eventtime
