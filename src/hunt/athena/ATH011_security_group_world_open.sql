-- ATH011 security-group-world-open: AuthorizeSecurityGroupIngress (ipPermissions items and
-- the legacy flat cidrIp) or ModifySecurityGroupRules (CidrIpv4/CidrIpv6 of the modified
-- rules) with a /0 CIDR (0.0.0.0/0, ::/0). Egress, prefix lists and group references are
-- not reported. Failed calls are LOW.
SELECT eventid, eventtime, eventname, awsregion, sourceipaddress,
       useridentity.arn AS principal,
       COALESCE(json_extract_scalar(requestparameters, '$.groupId'),
                json_extract_scalar(requestparameters,
                                    '$.ModifySecurityGroupRulesRequest.GroupId'),
                json_extract_scalar(requestparameters, '$.groupName')) AS security_group,
       CASE WHEN COALESCE(errorcode, '') <> '' THEN 'LOW' END AS failed_severity
FROM {table}
WHERE eventsource = 'ec2.amazonaws.com'
  AND (
    (eventname = 'AuthorizeSecurityGroupIngress'
     AND (regexp_like(json_format(json_extract(requestparameters, '$.ipPermissions')),
                      '"(cidrIp|cidrIpv6)":"\s*[^"]*/0\s*"')
          OR regexp_like(json_extract_scalar(requestparameters, '$.cidrIp'), '/0\s*$')))
    OR (eventname = 'ModifySecurityGroupRules'
        AND regexp_like(
              json_format(json_extract(requestparameters, '$.ModifySecurityGroupRulesRequest')),
              '"(CidrIpv4|CidrIpv6)":"\s*[^"]*/0\s*"'))
  )
  {time_filter}
ORDER BY eventtime
