package dashboards_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"slices"
)

// formFile is one file of a multipart form: its field, file name and content.
type formFile struct {
	field, name string
	data        []byte
}

// postMultipart posts a multipart form (fields in order, then the files) to an API path as user,
// and answers the status and the decoded JSON body.
func (e *apiEnv) postMultipart(user, path string, fields [][2]string, files []formFile) (int, map[string]any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile(f.field, f.name)
		fw.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1"+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// filesOf are a name → content map's files under one field, by name.
func filesOf(field string, files map[string][]byte) []formFile {
	var out []formFile
	for name, data := range files {
		out = append(out, formFile{field, name, data})
	}
	slices.SortFunc(out, func(a, b formFile) int { return bytes.Compare([]byte(a.name), []byte(b.name)) })
	return out
}
