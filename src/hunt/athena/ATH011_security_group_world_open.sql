-- ATH011 security-group-world-open: AuthorizeSecurityGroupIngress (ipPermissions items and
-- the legacy flat cidrIp) or ModifySecurityGroupRules (CidrIpv4/CidrIpv6 of the modified
-- rules) with a /0 CIDR (0.0.0.0/0, ::/0). Egress, prefix lists and group references are
-- not reported. Failed calls are LOW; otherwise HIGH for all protocols or a range holding
-- an admin port (22, 3389, 3306, 5432, 1433, 6379, 27017, 9200), MEDIUM for the rest.
SELECT eventid, eventtime, eventname, awsregion, sourceipaddress,
       useridentity.arn AS principal,
       COALESCE(json_extract_scalar(requestparameters, '$.groupId'),
                json_extract_scalar(requestparameters,
                                    '$.ModifySecurityGroupRulesRequest.GroupId'),
                json_extract_scalar(requestparameters, '$.groupName')) AS security_group,
       json_format(json_extract(requestparameters, '$.ipPermissions')) AS ip_permissions,
       COALESCE(errorcode, '') <> '' AS failed_attempt
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
