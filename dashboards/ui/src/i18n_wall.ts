// The wall strings (issue 10). English first; the Chinese object must have every key.
export const wallEn = {
} as const;

export const wallZh: Record<keyof typeof wallEn, string> = {
};
