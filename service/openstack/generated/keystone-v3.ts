/**
 * DO NOT EDIT: generated file.
 * Source: openapi/keystone-v3.yaml
 * Command: npm run gen:openstack (node scripts/gen-openstack.mjs), openapi-typescript 7.13.0
 * Edit the spec and regenerate; test/openstack/generated-fresh.test.ts fails when this is stale.
 */
/* eslint-disable */
export interface paths {
    "/v3/auth/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Validate another token (X-Subject-Token) with the caller's own token.
         * @description Policy `identity:validate_token`: the caller needs the `service` role (or system
         *     reader, or to be the token's subject). An invalid or expired subject → 404.
         */
        get: operations["validateToken"];
        put?: never;
        /** Password or application-credential authentication → a (project-scoped) token. */
        post: operations["issueToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/auth/catalog": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The service catalog of the caller's token. */
        get: operations["getCatalog"];
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
        /** @description A domain named by id or by name. */
        DomainRef: {
            id?: string;
            name?: string;
        };
        PasswordMethod: {
            /** @description The user by id, or by name plus the user's domain. */
            user: {
                id?: string;
                name?: string;
                domain?: components["schemas"]["DomainRef"];
                password: string;
            };
        };
        /**
         * @description By id, or by name plus the owning user (id, or name + domain). An application
         *     credential carries its own project scope: the request must not include `scope`.
         */
        ApplicationCredentialMethod: {
            id?: string;
            name?: string;
            secret: string;
            user?: {
                id?: string;
                name?: string;
                domain?: components["schemas"]["DomainRef"];
            };
        };
        ProjectScope: {
            /** @description The project by id, or by name plus its domain. */
            project: {
                id?: string;
                name?: string;
                domain?: components["schemas"]["DomainRef"];
            };
        };
        AuthRequest: {
            auth: {
                identity: {
                    methods: ("password" | "application_credential")[];
                    password?: components["schemas"]["PasswordMethod"];
                    application_credential?: components["schemas"]["ApplicationCredentialMethod"];
                };
                scope?: components["schemas"]["ProjectScope"];
            };
        };
        NamedDomain: {
            id: string;
            name: string;
        };
        Endpoint: {
            id: string;
            /** @enum {string} */
            interface: "public" | "internal" | "admin";
            /** @description The region's id (legacy name of region_id); null when the endpoint has no region. */
            region?: string | null;
            region_id?: string | null;
            url: string;
        };
        CatalogEntry: {
            id: string;
            /** @description Service type, e.g. `compute`, `image`, `identity`. */
            type: string;
            name?: string;
            endpoints: components["schemas"]["Endpoint"][];
        };
        Catalog: components["schemas"]["CatalogEntry"][];
        Role: {
            id: string;
            name: string;
        };
        Token: {
            methods: string[];
            /**
             * Format: date-time
             * @description UTC, ISO 8601 with microseconds, e.g. `2026-11-26T23:42:57.000000Z`.
             */
            expires_at: string;
            /** Format: date-time */
            issued_at: string;
            audit_ids: string[];
            user: {
                id: string;
                name: string;
                domain: components["schemas"]["NamedDomain"];
                password_expires_at?: string | null;
            };
            /** @description Present on a project-scoped token (always for an application credential). */
            project?: {
                id: string;
                name: string;
                domain: components["schemas"]["NamedDomain"];
            };
            is_domain?: boolean;
            /** @description Present on a scoped token. */
            roles?: components["schemas"]["Role"][];
            /** @description Absent with `nocatalog`; present (possibly empty) on a scoped token otherwise. */
            catalog?: components["schemas"]["Catalog"];
            /** @description Present when the token was issued for an application credential. */
            application_credential?: {
                id: string;
                name: string;
                restricted: boolean;
            };
        };
        TokenResponse: {
            token: components["schemas"]["Token"];
        };
        CatalogResponse: {
            catalog: components["schemas"]["Catalog"];
            links?: {
                self?: string;
                next?: string | null;
                previous?: string | null;
            };
        };
        /**
         * @description Keystone's error body, e.g.
         *     `{"error":{"code":404,"message":"Could not find token: …","title":"Not Found"}}`.
         */
        Error: {
            error: {
                code: number;
                message: string;
                title: string;
            };
        };
    };
    responses: {
        /** @description An error in Keystone's JSON shape. */
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
        /** @description The token to validate (a user's token); the caller's own token goes in X-Auth-Token. */
        SubjectToken: string;
        /** @description Present (any value) → the response omits the service catalog. */
        NoCatalog: string;
    };
    requestBodies: never;
    headers: {
        /** @description The token ID. Keystone returns it here, never in the body. */
        SubjectToken: string;
        /** @description Request id to quote when reporting a problem. */
        RequestId: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    validateToken: {
        parameters: {
            query?: {
                /** @description Present (any value) → the response omits the service catalog. */
                nocatalog?: components["parameters"]["NoCatalog"];
            };
            header: {
                /** @description The token to validate (a user's token); the caller's own token goes in X-Auth-Token. */
                "X-Subject-Token": components["parameters"]["SubjectToken"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The subject token is valid. */
            200: {
                headers: {
                    "X-Subject-Token": components["headers"]["SubjectToken"];
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            401: components["responses"]["Error"];
            403: components["responses"]["Error"];
            404: components["responses"]["Error"];
        };
    };
    issueToken: {
        parameters: {
            query?: {
                /** @description Present (any value) → the response omits the service catalog. */
                nocatalog?: components["parameters"]["NoCatalog"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AuthRequest"];
            };
        };
        responses: {
            /** @description Token issued; its ID is the X-Subject-Token header. */
            201: {
                headers: {
                    "X-Subject-Token": components["headers"]["SubjectToken"];
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            400: components["responses"]["Error"];
            401: components["responses"]["Error"];
            404: components["responses"]["Error"];
        };
    };
    getCatalog: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The catalog. */
            200: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CatalogResponse"];
                };
            };
            401: components["responses"]["Error"];
            403: components["responses"]["Error"];
        };
    };
}
