-- ATH012 s3-bucket-made-public: PutBucketPolicy with an Allow statement for Principal "*"
-- (or {"AWS": "*"}, or NotPrincipal) whose Condition pins none of the restricting keys;
-- PutBucketAcl with a public canned ACL or a grant to AllUsers/AuthenticatedUsers; Block
-- Public Access deleted or any of its four settings set to false (bucket or account).
-- Policy and ACL changes are HIGH, Block Public Access changes MEDIUM, failed calls LOW.
WITH ev AS (
  SELECT *,
         COALESCE(json_extract_scalar(requestparameters, '$.bucketPolicy'),
                  json_extract_scalar(requestparameters, '$.policy')) AS doc_text,
         COALESCE(json_extract(requestparameters, '$.bucketPolicy'),
                  json_extract(requestparameters, '$.policy')) AS doc_json
  FROM {table}
  WHERE eventsource IN ('s3.amazonaws.com', 's3control.amazonaws.com')
    AND eventname IN ('PutBucketPolicy', 'PutBucketAcl', 'DeleteBucketPublicAccessBlock',
                      'PutBucketPublicAccessBlock', 'DeleteAccountPublicAccessBlock',
                      'PutAccountPublicAccessBlock')
    {time_filter}
), policy_hits AS (
  SELECT DISTINCT eventid
  FROM (
    SELECT ev.eventid,
           COALESCE(TRY(json_parse(doc_text)), TRY(json_parse(url_decode(doc_text))),
                    doc_json) AS policy
    FROM ev WHERE eventname = 'PutBucketPolicy'
  ) d
  CROSS JOIN UNNEST(
    CASE WHEN json_extract(policy, '$.Statement[0]') IS NOT NULL
         THEN CAST(json_extract(policy, '$.Statement') AS ARRAY(JSON))
         ELSE ARRAY[json_extract(policy, '$.Statement')] END) AS s(st)
  WHERE COALESCE(json_extract_scalar(st, '$.Effect'), '') <> 'Deny'
    AND (json_extract(st, '$.NotPrincipal') IS NOT NULL
         OR json_extract_scalar(st, '$.Principal') = '*'
         OR regexp_like(json_format(json_extract(st, '$.Principal.AWS')),
                        '(^|\[|,)"\*"(,|\]|$)'))
    AND NOT COALESCE(regexp_like(json_format(json_extract(st, '$.Condition')),
          '(?i)"(aws:SourceIp|aws:SourceVpce|aws:SourceVpc|aws:PrincipalOrgID|aws:PrincipalOrgPaths|aws:PrincipalAccount|aws:PrincipalArn|aws:SourceArn|aws:SourceAccount|aws:SourceOrgID|aws:userid|s3:DataAccessPointAccount|s3:DataAccessPointArn)":(true|false|-?[0-9]|"([^*"]|\*[^"])|\[("[^"]*",)*"([^*"]|\*[^"]))'),
          FALSE)
)
SELECT eventid, eventtime, eventname, awsregion, sourceipaddress,
       useridentity.arn AS principal,
       json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
       CASE WHEN COALESCE(errorcode, '') <> '' THEN 'LOW'
            WHEN eventname IN ('PutBucketPolicy', 'PutBucketAcl') THEN 'HIGH'
            ELSE 'MEDIUM' END AS severity
FROM ev
WHERE eventid IN (SELECT eventid FROM policy_hits)
   OR (eventname = 'PutBucketAcl'
       AND (regexp_like(json_format(json_extract(requestparameters, '$["x-amz-acl"]')),
                        '(^|\[|,)"(public-read|public-read-write|authenticated-read)"(,|\]|$)')
            OR regexp_like(
                 json_format(json_extract(requestparameters,
                                          '$.AccessControlPolicy.AccessControlList.Grant')),
                 '"URI":"[^"]*/groups/global/(AllUsers|AuthenticatedUsers)"')))
   OR eventname IN ('DeleteBucketPublicAccessBlock', 'DeleteAccountPublicAccessBlock')
   OR (eventname IN ('PutBucketPublicAccessBlock', 'PutAccountPublicAccessBlock')
       AND regexp_like(
             json_format(json_extract(requestparameters, '$.PublicAccessBlockConfiguration')),
             '"(BlockPublicAcls|IgnorePublicAcls|BlockPublicPolicy|RestrictPublicBuckets)":("[Ff][Aa][Ll][Ss][Ee]"|false)'))
ORDER BY eventtime
