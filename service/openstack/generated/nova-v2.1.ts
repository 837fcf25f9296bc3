/**
 * DO NOT EDIT: generated file.
 * Source: openapi/nova-v2.1.yaml
 * Command: npm run gen:openstack (node scripts/gen-openstack.mjs), openapi-typescript 7.13.0
 * Edit the spec and regenerate; test/openstack/generated-fresh.test.ts fails when this is stale.
 */
/* eslint-disable */
export interface paths {
    "/flavors/detail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listFlavorsDetail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/servers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["createServer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/servers/detail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * @description There is no server-side metadata filter. Non-admins may filter only by
         *     reservation_id, name, status, image, flavor, ip, ip6, changes-since, changes-before,
         *     tags/not-tags and locked: anything else (e.g. `metadata`) is silently dropped, so
         *     the list is NOT filtered. For admins `metadata` is a 400 ("Invalid filter field:
         *     metadata."), checked against Nova 26 (Zed). Admins may use `all_tenants` and
         *     `project_id`; `all_tenants` is a 403 for others. Filter by a name prefix, then by
         *     metadata in the client.
         */
        get: operations["listServersDetail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/servers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["showServer"];
        put?: never;
        post?: never;
        delete: operations["deleteServer"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/servers/{id}/action": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["serverAction"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["showLimits"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Link: {
            href: string;
            rel: string;
        };
        /** @description String keys and values, each at most 255 characters. */
        Metadata: {
            [key: string]: string;
        };
        Flavor: {
            id: string;
            name: string;
            /** @description MiB */
            ram: number;
            vcpus: number;
            /** @description Root disk, GiB (0 → the image's size). */
            disk: number;
            /** @description MiB; an integer from microversion 2.75 (an empty string for 0 before). */
            swap: number;
            "OS-FLV-EXT-DATA:ephemeral": number;
            "OS-FLV-DISABLED:disabled": boolean;
            "os-flavor-access:is_public": boolean;
            rxtx_factor?: number;
            /** @description From 2.55. */
            description?: string | null;
            /** @description From 2.61, when policy lets the caller see them. */
            extra_specs?: {
                [key: string]: string;
            };
            links: components["schemas"]["Link"][];
        };
        FlavorList: {
            flavors: components["schemas"]["Flavor"][];
            flavors_links?: components["schemas"]["Link"][];
        };
        /**
         * @description `none` (no network at all), `auto` (Nova picks or creates one), or explicit NICs.
         *     Required from microversion 2.37.
         */
        Networks: ("none" | "auto") | {
            uuid?: string;
            port?: string;
            fixed_ip?: string;
            tag?: string;
        }[];
        ServerCreate: {
            server: {
                name: string;
                /** @description Flavor id (or its URL). */
                flavorRef: string;
                /** @description Image id (or its URL). */
                imageRef: string;
                networks: components["schemas"]["Networks"];
                metadata?: components["schemas"]["Metadata"];
                /** @description Base64 of the user data; at most 65535 characters once encoded. */
                user_data?: string;
                key_name?: string;
                description?: string;
                availability_zone?: string;
                config_drive?: boolean;
            };
        };
        ServerCreated: {
            server: {
                id: string;
                links: components["schemas"]["Link"][];
                /** @description Only when the deployment has `enable_instance_password` (default on). */
                adminPass?: string;
                /** @enum {string} */
                "OS-DCF:diskConfig"?: "AUTO" | "MANUAL";
                security_groups?: {
                    name?: string;
                }[];
            };
        };
        /** @enum {string} */
        ServerStatus: "ACTIVE" | "BUILD" | "DELETED" | "ERROR" | "HARD_REBOOT" | "MIGRATING" | "PASSWORD" | "PAUSED" | "REBOOT" | "REBUILD" | "RESCUE" | "RESIZE" | "REVERT_RESIZE" | "SHELVED" | "SHELVED_OFFLOADED" | "SHUTOFF" | "SOFT_DELETED" | "SUSPENDED" | "UNKNOWN" | "VERIFY_RESIZE";
        /** @description Why a server is in ERROR. `details` (a traceback) only for admins or non-500 faults. */
        Fault: {
            code: number;
            message: string;
            /** Format: date-time */
            created: string;
            details?: string;
        };
        Address: {
            addr: string;
            /** @enum {integer} */
            version: 4 | 6;
            "OS-EXT-IPS:type"?: string;
            "OS-EXT-IPS-MAC:mac_addr"?: string;
        };
        /** @description The flavor as it was when the server was built (from 2.47; no id). */
        EmbeddedFlavor: {
            original_name: string;
            ram: number;
            vcpus: number;
            disk: number;
            ephemeral: number;
            swap: number;
            extra_specs?: {
                [key: string]: string;
            };
        };
        Server: {
            id: string;
            name: string;
            status: components["schemas"]["ServerStatus"];
            tenant_id: string;
            user_id: string;
            metadata: components["schemas"]["Metadata"];
            /** Format: date-time */
            created: string;
            /** Format: date-time */
            updated: string;
            /** @description Network name → its addresses; `{}` for a server booted with networks `none`. */
            addresses: {
                [key: string]: components["schemas"]["Address"][];
            };
            flavor: components["schemas"]["EmbeddedFlavor"];
            /** @description The image, or an empty string for a server booted from a volume. */
            image: {
                id: string;
                links?: components["schemas"]["Link"][];
            } | "";
            fault?: components["schemas"]["Fault"];
            progress?: number;
            hostId?: string;
            key_name?: string | null;
            description?: string | null;
            locked?: boolean;
            tags?: string[];
            accessIPv4?: string;
            accessIPv6?: string;
            config_drive?: string;
            links: components["schemas"]["Link"][];
            "OS-DCF:diskConfig"?: string;
            "OS-EXT-AZ:availability_zone"?: string;
            "OS-EXT-STS:vm_state"?: string;
            "OS-EXT-STS:task_state"?: string | null;
            "OS-EXT-STS:power_state"?: number;
            /** @description UTC without a zone designator, e.g. `2026-11-26T22:10:03.000000` (not RFC 3339). */
            "OS-SRV-USG:launched_at"?: string | null;
            "OS-SRV-USG:terminated_at"?: string | null;
            /** @description Base64 user data; shown only to admins (policy), from 2.3. */
            "OS-EXT-SRV-ATTR:user_data"?: string | null;
            "OS-EXT-SRV-ATTR:host"?: string | null;
            "OS-EXT-SRV-ATTR:instance_name"?: string;
            "os-extended-volumes:volumes_attached"?: {
                id?: string;
                delete_on_termination?: boolean;
            }[];
        };
        ServerResponse: {
            server: components["schemas"]["Server"];
        };
        ServerList: {
            servers: components["schemas"]["Server"][];
            /** @description A `next` link when the page was cut at `limit` (or the deployment's max_limit). */
            servers_links?: components["schemas"]["Link"][];
        };
        /** @description The one server action fnstack uses. */
        ServerAction: {
            "os-getConsoleOutput": {
                /** @description Last N lines; absent or null → the whole log. */
                length?: number | null;
            };
        };
        ConsoleOutput: {
            output: string;
        };
        Limits: {
            limits: {
                /** @description Quotas (`max*`, -1 = unlimited) and the project's usage (`total*Used`). */
                absolute: {
                    maxTotalInstances: number;
                    maxTotalCores: number;
                    /** @description MiB */
                    maxTotalRAMSize: number;
                    maxServerMeta: number;
                    maxTotalKeypairs?: number;
                    maxServerGroups?: number;
                    maxServerGroupMembers?: number;
                    totalInstancesUsed: number;
                    totalCoresUsed: number;
                    totalRAMUsed: number;
                    totalServerGroupsUsed?: number;
                };
                rate?: unknown[];
            };
        };
        /**
         * @description Nova's error body: one key naming the fault, e.g.
         *     `{"itemNotFound":{"code":404,"message":"Instance … could not be found."}}`
         *     (`badRequest`, `forbidden`, `conflictingRequest`, `overLimit`, `computeFault`, …).
         *     keystonemiddleware's 401 has the same shape under the key `error`.
         */
        Error: {
            [key: string]: {
                code: number;
                message: string;
            };
        };
    };
    responses: {
        /** @description An error in Nova's JSON shape. */
        Error: {
            headers: {
                "x-openstack-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /** @description `compute <major>.<minor>`, e.g. `compute 2.79`. Absent → 2.1. */
        ApiVersion: string;
        /** @description `<major>.<minor>`; the pre-2.27 spelling of OpenStack-API-Version. */
        LegacyApiVersion: string;
        ServerId: string;
    };
    requestBodies: never;
    headers: {
        /** @description Request id to quote when reporting a problem (Nova also sends x-compute-request-id). */
        RequestId: string;
        /** @description The microversion that answered, e.g. `compute 2.79`. */
        ApiVersion: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listFlavorsDetail: {
        parameters: {
            query?: {
                /** @description `true` (default for non-admins), `false`, or `none` (admins: all). */
                is_public?: string;
                limit?: number;
                marker?: string;
            };
            header?: {
                /** @description `compute <major>.<minor>`, e.g. `compute 2.79`. Absent → 2.1. */
                "OpenStack-API-Version"?: components["parameters"]["ApiVersion"];
                /** @description `<major>.<minor>`; the pre-2.27 spelling of OpenStack-API-Version. */
                "X-OpenStack-Nova-API-Version"?: components["parameters"]["LegacyApiVersion"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Flavors the project may use. */
            200: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FlavorList"];
                };
            };
            401: components["responses"]["Error"];
        };
    };
    createServer: {
        parameters: {
            query?: never;
            header?: {
                /** @description `compute <major>.<minor>`, e.g. `compute 2.79`. Absent → 2.1. */
                "OpenStack-API-Version"?: components["parameters"]["ApiVersion"];
                /** @description `<major>.<minor>`; the pre-2.27 spelling of OpenStack-API-Version. */
                "X-OpenStack-Nova-API-Version"?: components["parameters"]["LegacyApiVersion"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ServerCreate"];
            };
        };
        responses: {
            /** @description Accepted; the server is BUILDing. */
            202: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    Location: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerCreated"];
                };
            };
            400: components["responses"]["Error"];
            401: components["responses"]["Error"];
            /** @description Forbidden, including quota exceeded. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            409: components["responses"]["Error"];
        };
    };
    listServersDetail: {
        parameters: {
            query?: {
                /** @description A regular expression (Python `re`, unanchored) matched against server names. */
                name?: string;
                status?: components["schemas"]["ServerStatus"];
                /** @description Admin only; `true` → servers of every project. */
                all_tenants?: boolean;
                /** @description Admin only, with all_tenants. */
                project_id?: string;
                limit?: number;
                /** @description Id of the last server of the previous page. */
                marker?: string;
            };
            header?: {
                /** @description `compute <major>.<minor>`, e.g. `compute 2.79`. Absent → 2.1. */
                "OpenStack-API-Version"?: components["parameters"]["ApiVersion"];
                /** @description `<major>.<minor>`; the pre-2.27 spelling of OpenStack-API-Version. */
                "X-OpenStack-Nova-API-Version"?: components["parameters"]["LegacyApiVersion"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Servers, newest first. */
            200: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerList"];
                };
            };
            400: components["responses"]["Error"];
            401: components["responses"]["Error"];
            403: components["responses"]["Error"];
        };
    };
    showServer: {
        parameters: {
            query?: never;
            header?: {
                /** @description `compute <major>.<minor>`, e.g. `compute 2.79`. Absent → 2.1. */
                "OpenStack-API-Version"?: components["parameters"]["ApiVersion"];
                /** @description `<major>.<minor>`; the pre-2.27 spelling of OpenStack-API-Version. */
                "X-OpenStack-Nova-API-Version"?: components["parameters"]["LegacyApiVersion"];
            };
            path: {
                id: components["parameters"]["ServerId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The server. */
            200: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    "OpenStack-API-Version": components["headers"]["ApiVersion"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerResponse"];
                };
            };
            401: components["responses"]["Error"];
            404: components["responses"]["Error"];
        };
    };
    deleteServer: {
        parameters: {
            query?: never;
            header?: {
                /** @description `compute <major>.<minor>`, e.g. `compute 2.79`. Absent → 2.1. */
                "OpenStack-API-Version"?: components["parameters"]["ApiVersion"];
                /** @description `<major>.<minor>`; the pre-2.27 spelling of OpenStack-API-Version. */
                "X-OpenStack-Nova-API-Version"?: components["parameters"]["LegacyApiVersion"];
            };
            path: {
                id: components["parameters"]["ServerId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deletion started; GET answers 404 once it is done. */
            204: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Error"];
            404: components["responses"]["Error"];
            409: components["responses"]["Error"];
        };
    };
    serverAction: {
        parameters: {
            query?: never;
            header?: {
                /** @description `compute <major>.<minor>`, e.g. `compute 2.79`. Absent → 2.1. */
                "OpenStack-API-Version"?: components["parameters"]["ApiVersion"];
                /** @description `<major>.<minor>`; the pre-2.27 spelling of OpenStack-API-Version. */
                "X-OpenStack-Nova-API-Version"?: components["parameters"]["LegacyApiVersion"];
            };
            path: {
                id: components["parameters"]["ServerId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ServerAction"];
            };
        };
        responses: {
            /** @description The console log (os-getConsoleOutput). */
            200: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsoleOutput"];
                };
            };
            400: components["responses"]["Error"];
            401: components["responses"]["Error"];
            404: components["responses"]["Error"];
            /** @description The server is not in a state that has a console (e.g. still building). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The virt driver cannot read console logs. */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    showLimits: {
        parameters: {
            query?: never;
            header?: {
                /** @description `compute <major>.<minor>`, e.g. `compute 2.79`. Absent → 2.1. */
                "OpenStack-API-Version"?: components["parameters"]["ApiVersion"];
                /** @description `<major>.<minor>`; the pre-2.27 spelling of OpenStack-API-Version. */
                "X-OpenStack-Nova-API-Version"?: components["parameters"]["LegacyApiVersion"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The project's absolute limits and usage. */
            200: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Limits"];
                };
            };
            401: components["responses"]["Error"];
        };
    };
}
