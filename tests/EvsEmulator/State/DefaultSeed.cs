namespace EvsEmulator.State;

/// <summary>The built-in seed, in the public seed format (README "Default seed"; GET /__emulator/seed returns it).
/// The first project and its ids are exactly those of control plane 1.0: its items draw their ids from the seeded
/// generator in the documented order (README "Ids").</summary>
public static class DefaultSeed
{
    public const string PartnerDomainName = "evs-partner";
    public const string PartnerDomainId = "3b2a1f0e9d8c4b7a6f5e4d3c2b1a0f9e";
    public const string PartnerProjectId = "8c7d6e5f4a3b4c2d1e0f9a8b7c6d5e4f";
    public const string PartnerUserName = "partner-user";
    public const string PartnerAgencyName = "evs-demo-ops";
    public const string EcsAgencyName = "ecs_evs_agency";
    public const string IdentityProviderId = "evs-oidc";
    /// <summary>Since 1.2: the project of the default account with one disk of each kind of §12.2.</summary>
    public const string FeaturesProjectName = "cn-north-4_features";
    public const string FeaturesKmsKeyId = "0b6e3e5c-7b2f-4c1e-9a7d-2f0e4b8c6a11";
    public const string FederatedUserName = "fed-ops";
    public const string IdToken =
        "eyJhbGciOiJSUzI1NiIsImtpZCI6ImVtdWxhdG9yIiwidHlwIjoiSldUIn0." +
        "eyJpc3MiOiJodHRwczovL2lkcC5lbXVsYXRvci50ZXN0Iiwic3ViIjoiZmVkLW9wcyIsImF1ZCI6ImV2cy1lbXVsYXRvciIsImlhdCI6MTczNTY4OTYwMCwiZXhwIjo0MTAyNDQ0ODAwfQ." +
        "ZW11bGF0b3Itc2lnbmF0dXJlLW5vdC12ZXJpZmllZA";

    public const string Json = """
        {
          "seedFormatVersion": 1,
          "region": "cn-north-4",
          "availabilityZones": ["cn-north-4a", "cn-north-4b"],
          "domains": [
            {"name": "evs-demo", "id": "9d8c7b6a5f4e4d3c2b1a0f9e8d7c6b5a"},
            {"name": "evs-partner", "id": "3b2a1f0e9d8c4b7a6f5e4d3c2b1a0f9e"}
          ],
          "users": [
            {"name": "ops-user", "id": "7f6e5d4c3b2a41908f7e6d5c4b3a2910", "password": "Emulator-Passw0rd!", "domain": "evs-demo"},
            {"name": "partner-user", "id": "2e3d4c5b6a7948f8e7d6c5b4a3928170", "password": "Partner-Passw0rd!", "domain": "evs-partner"}
          ],
          "accessKeys": [
            {"access": "EMULATORAK0000000001", "secret": "EmulatorSecretKey0000000000000000000001", "domain": "evs-demo", "user": "ops-user"},
            {"access": "EMULATORTEMPAK000001", "secret": "EmulatorTempSecret00000000000000000001", "domain": "evs-demo", "user": "ops-user",
             "securityToken": "emulator-security-token-0001"},
            {"access": "EMULATORPARTNERAK001", "secret": "EmulatorPartnerSecret000000000000000001", "domain": "evs-partner", "user": "partner-user"}
          ],
          "projects": [
            {
              "name": "cn-north-4", "id": "5e7c3f9a1b2d4e6f8a0b1c2d3e4f5a6b", "domain": "evs-demo",
              "volumes": [
                {"name": "db01", "status": "in-use", "size": 40, "volumeType": "SSD", "availabilityZone": "cn-north-4a", "createdAt": "-120d",
                 "bootable": true, "metadata": {"__system__encrypted": "0"},
                 "imageMetadata": {"image_name": "EulerOS_2.5_64bit", "__os_type": "Linux"},
                 "attachments": [{"server": "ecs-db01", "device": "/dev/sda"}]},
                {"name": "db02", "status": "in-use", "size": 200, "volumeType": "SSD", "availabilityZone": "cn-north-4a", "createdAt": "-119d",
                 "attachments": [{"server": "ecs-db01", "device": "/dev/sdb"}]},
                {"name": "web01", "status": "in-use", "size": 40, "volumeType": "GPSSD", "availabilityZone": "cn-north-4b", "createdAt": "-90d",
                 "attachments": [{"server": "ecs-web01", "device": "/dev/sdb"}]},
                {"name": "web02", "status": "in-use", "size": 100, "volumeType": "GPSSD", "availabilityZone": "cn-north-4b", "createdAt": "-89d",
                 "attachments": [{"server": "ecs-web01", "device": "/dev/sdc"}]},
                {"name": "app01", "status": "available", "size": 60, "volumeType": "SAS", "availabilityZone": "cn-north-4a", "createdAt": "-60d"},
                {"name": "scratch01", "status": "available", "size": 10, "volumeType": "SAS", "availabilityZone": "cn-north-4b", "createdAt": "-20d"},
                {"name": "pending01", "status": "attaching", "size": 20, "volumeType": "GPSSD", "availabilityZone": "cn-north-4a", "createdAt": "-1d"},
                {"name": "broken01", "status": "error", "size": 10, "volumeType": "SAS", "availabilityZone": "cn-north-4b", "createdAt": "-5d"},
                {"name": "shared01", "status": "in-use", "size": 100, "volumeType": "SSD", "availabilityZone": "cn-north-4a", "createdAt": "-45d",
                 "multiattach": true, "metadata": {"hw:passthrough": "true"},
                 "attachments": [{"server": "ecs-db01", "device": "/dev/sdc"}, {"server": "ecs-app01", "device": "/dev/sdb"}]}
              ],
              "servers": [
                {"name": "ecs-db01", "availabilityZone": "cn-north-4a"},
                {"name": "ecs-web01", "availabilityZone": "cn-north-4b"},
                {"name": "ecs-app01", "availabilityZone": "cn-north-4a"}
              ],
              "snapshots": [
                {"name": "db01-monthly", "volume": "db01", "createdAt": "-30d", "description": "monthly snapshot before patching",
                 "metadata": {"purpose": "monthly"}},
                {"name": "db01-weekly", "volume": "db01", "createdAt": "-8d"},
                {"name": "db01-hourly", "volume": "db01", "createdAt": "-1h", "metadata": {"purpose": "hourly"}},
                {"name": "autobk_snapshot_vbs_{uuid}", "volume": "web01", "createdAt": "-2d", "metadata": {"__system__enableActive": "true"}}
              ]
            },
            {
              "name": "cn-north-4", "id": "8c7d6e5f4a3b4c2d1e0f9a8b7c6d5e4f", "domain": "evs-partner",
              "volumes": [
                {"name": "partner-sys01", "status": "in-use", "size": 40, "volumeType": "SSD", "availabilityZone": "cn-north-4a", "createdAt": "-60d",
                 "bootable": true, "imageMetadata": {"image_name": "Ubuntu_22.04_64bit", "__os_type": "Linux"},
                 "attachments": [{"server": "partner-ecs01", "device": "/dev/sda"}]},
                {"name": "partner-db01", "status": "in-use", "size": 100, "volumeType": "SSD", "availabilityZone": "cn-north-4a", "createdAt": "-60d",
                 "attachments": [{"server": "partner-ecs01", "device": "/dev/sdb"}]},
                {"name": "partner-data01", "status": "available", "size": 50, "volumeType": "SAS", "availabilityZone": "cn-north-4b", "createdAt": "-10d"}
              ],
              "servers": [
                {"name": "partner-ecs01", "availabilityZone": "cn-north-4a"}
              ],
              "snapshots": [
                {"name": "partner-db01-daily", "volume": "partner-db01", "createdAt": "-1d", "metadata": {"purpose": "daily"}}
              ]
            },
            {
              "name": "cn-north-4_features", "domain": "evs-demo",
              "volumes": [
                {"name": "sys01", "status": "in-use", "size": 40, "volumeType": "SSD", "availabilityZone": "cn-north-4a", "createdAt": "-40d",
                 "bootable": true, "encrypted": false, "attachments": [{"server": "ecs-feat01", "device": "/dev/vda"}],
                 "imageMetadata": {"image_id": "a7c1f0d2-3b4e-4f56-8a9b-0c1d2e3f4a5b", "image_name": "CentOS 7.9 64bit",
                                   "__os_type": "Linux", "__os_version": "CentOS 7.9 64bit", "__os_bit": "64", "__platform": "CentOS",
                                   "__imagetype": "gold", "min_disk": "40", "min_ram": "0", "disk_format": "zvhd2",
                                   "container_format": "bare", "__support_kvm": "true", "virtual_env_type": "FusionCompute"}},
                {"name": "enc01", "status": "available", "size": 100, "volumeType": "SSD", "availabilityZone": "cn-north-4a", "createdAt": "-30d",
                 "encrypted": true, "kmsKeyId": "0b6e3e5c-7b2f-4c1e-9a7d-2f0e4b8c6a11", "enterpriseProjectId": "5c1f2a3b-4d5e-4f60-8a71-92b3c4d5e6f7"},
                {"name": "scsi01", "status": "in-use", "size": 50, "volumeType": "SAS", "availabilityZone": "cn-north-4a", "createdAt": "-30d",
                 "encrypted": false, "scsi": true, "attachments": [{"server": "ecs-feat01", "device": "/dev/vdb"}]},
                {"name": "gp2data01", "status": "available", "size": 200, "volumeType": "GPSSD2", "availabilityZone": "cn-north-4b", "createdAt": "-20d",
                 "encrypted": false, "iops": 5000, "throughput": 250, "tags": {"team": "storage"}},
                {"name": "essd2data01", "status": "available", "size": 100, "volumeType": "ESSD2", "availabilityZone": "cn-north-4b", "createdAt": "-20d",
                 "encrypted": false, "iops": 10000},
                {"name": "restored01", "status": "available", "size": 120, "volumeType": "SSD", "availabilityZone": "cn-north-4a", "createdAt": "-12h",
                 "encrypted": true, "kmsKeyId": "0b6e3e5c-7b2f-4c1e-9a7d-2f0e4b8c6a11", "snapshot": "enc01-daily",
                 "metadata": {"full_clone": "0"}}
              ],
              "servers": [
                {"name": "ecs-feat01", "availabilityZone": "cn-north-4a"},
                {"name": "ecs-feat02", "availabilityZone": "cn-north-4b"}
              ],
              "snapshots": [
                {"name": "sys01-base", "volume": "sys01", "createdAt": "-2d"},
                {"name": "enc01-daily", "volume": "enc01", "createdAt": "-1d"},
                {"name": "scsi01-daily", "volume": "scsi01", "createdAt": "-1d"},
                {"name": "gp2data01-daily", "volume": "gp2data01", "createdAt": "-1d"},
                {"name": "essd2data01-daily", "volume": "essd2data01", "createdAt": "-1d"},
                {"name": "enc01-failed", "volume": "enc01", "createdAt": "-3h", "status": "error"},
                {"name": "autobk_snapshot_vbs_{uuid}", "volume": "scsi01", "createdAt": "-10m", "status": "backing-up",
                 "metadata": {"__system__enableActive": "true"}}
              ]
            }
          ],
          "agencies": [
            {"name": "ecs_evs_agency", "domain": "evs-demo", "trustedService": "op_svc_ecs"},
            {"name": "evs-demo-ops", "domain": "evs-partner", "trustedDomain": "evs-demo"}
          ],
          "identityProviders": [
            {"id": "evs-oidc", "protocol": "oidc", "domain": "evs-demo",
             "idTokens": [
               {"idToken": "eyJhbGciOiJSUzI1NiIsImtpZCI6ImVtdWxhdG9yIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2lkcC5lbXVsYXRvci50ZXN0Iiwic3ViIjoiZmVkLW9wcyIsImF1ZCI6ImV2cy1lbXVsYXRvciIsImlhdCI6MTczNTY4OTYwMCwiZXhwIjo0MTAyNDQ0ODAwfQ.ZW11bGF0b3Itc2lnbmF0dXJlLW5vdC12ZXJpZmllZA",
                "user": "fed-ops", "groups": ["evs-operators"]}
             ]}
          ]
        }
        """;
}
