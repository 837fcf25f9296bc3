/**
 * DO NOT EDIT: generated file.
 * Source: openapi/glance-v2.yaml
 * Command: npm run gen:openstack (node scripts/gen-openstack.mjs), openapi-typescript 7.13.0
 * Edit the spec and regenerate; test/openstack/generated-fresh.test.ts fails when this is stale.
 */
/* eslint-disable */
export interface paths {
    "/v2/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listImages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["showImage"];
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
        /** @enum {string} */
        ImageStatus: "queued" | "saving" | "uploading" | "importing" | "active" | "killed" | "deleted" | "pending_delete" | "deactivated";
        /**
         * @description An image. Besides the fields below, every custom property (e.g. `fnstack_runtime`)
         *     is a top-level string field.
         */
        Image: {
            id: string;
            name: string | null;
            status: components["schemas"]["ImageStatus"];
            /** @enum {string} */
            visibility: "public" | "private" | "shared" | "community";
            protected: boolean;
            os_hidden?: boolean;
            tags: string[];
            container_format?: string | null;
            disk_format?: string | null;
            /** @description GiB */
            min_disk?: number;
            /** @description MiB */
            min_ram?: number;
            /** @description Bytes; null until data is uploaded. */
            size?: number | null;
            virtual_size?: number | null;
            checksum?: string | null;
            os_hash_algo?: string | null;
            os_hash_value?: string | null;
            owner?: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            self: string;
            file?: string;
            schema: string;
        } & {
            [key: string]: unknown | string;
        };
        /**
         * @description Glance's error body when the request accepts JSON (WebOb's rendering): `code` is the
         *     status line, and `message` may carry HTML line breaks, e.g.
         *     `{"message": "No image found with ID …<br /><br />", "code": "404 Not Found", "title": "Not Found"}`.
         *     (Without `Accept: application/json` the same error is an HTML page.)
         */
        Error: {
            message: string;
            code: string;
            title: string;
        };
        ImageList: {
            images: components["schemas"]["Image"][];
            first: string;
            /** @description Path (with query) of the next page; absent on the last page. */
            next?: string;
            schema: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description Request id to quote when reporting a problem. */
        RequestId: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listImages: {
        parameters: {
            query?: {
                status?: components["schemas"]["ImageStatus"];
                /** @description Default lists public, private and shared-accepted images; `all` adds community. */
                visibility?: "public" | "private" | "shared" | "community" | "all";
                name?: string;
                limit?: number;
                marker?: string;
                /**
                 * @description Custom property filters, serialized as plain query parameters
                 *     (form style, exploded): `{fnstack_runtime: "nodejs20"}` → `fnstack_runtime=nodejs20`.
                 */
                properties?: {
                    [key: string]: string;
                };
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of images. */
            200: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageList"];
                };
            };
            /** @description A malformed filter. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    showImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image. */
            200: {
                headers: {
                    "x-openstack-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description No such image, or not visible to the project. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
